package report

import (
	"math"
	"testing"
)

func TestNoiseBand(t *testing.T) {
	steady := []float64{10, 10, 11, 10, 9, 10, 10, 11, 10, 9}
	spiky := []float64{10, 10, 11, 10, 9, 10, 10, 11, 10, 500} // one stalled interval
	for _, tc := range []struct {
		name       string
		base, next []float64
		extreme    bool
		want       float64
	}{
		// MAD 0 for a constant run: no band at all.
		{"constant", []float64{5, 5, 5}, []float64{5, 5, 5}, false, 0},
		// σ = 1.4826 × MAD; the standard error over 10 intervals per run.
		{"steady", steady, steady, false, 2 * math.Sqrt(2*sq(1.4826*robustMAD(steady))/10)},
		{"steady extreme", steady, steady, true, 2 * 1.4826 * robustMAD(steady)},
	} {
		got, ok := noiseBand(tc.base, tc.next, tc.extreme)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: band %v (%v), want %v", tc.name, got, ok, tc.want)
		}
	}
	// One stalled interval barely moves a robust band; a standard
	// deviation would be blown up by it.
	a, _ := noiseBand(steady, steady, false)
	b, _ := noiseBand(steady, spiky, false)
	if b > 2*a+1e-9 {
		t.Errorf("a single spike widened the band from %v to %v", a, b)
	}
	if _, ok := noiseBand([]float64{1, 2}, steady, false); ok {
		t.Error("two intervals gave a band")
	}
}

func robustMAD(xs []float64) float64 { return robustSigma(xs) / 1.4826 }

func sq(x float64) float64 { return x * x }
