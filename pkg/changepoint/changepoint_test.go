package changepoint

import (
	"math"
	"math/rand/v2"
	"testing"
)

// noisy returns n points around level with relative Gaussian noise.
func noisy(r *rand.Rand, n int, level, rel float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = level * (1 + rel*r.NormFloat64())
	}
	return x
}

// bounded is noisy with the noise cut at 2.5 sigma, so that every point is
// ordinary noise and a test's one outlier is the only outlier.
func bounded(r *rand.Rand, n int, level, rel float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		z := r.NormFloat64()
		for math.Abs(z) > 2.5 {
			z = r.NormFloat64()
		}
		x[i] = level * (1 + rel*z)
	}
	return x
}

func TestStepIsFoundAtItsRun(t *testing.T) {
	const seeds, k = 200, 12 // k: the first run at the new level
	extra := 0
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 1))
		x := append(bounded(r, k, 10, 0.04), bounded(r, 18, 13, 0.04)...)
		var step *ChangePoint
		cps := Detect(x, Options{})
		for i, c := range cps {
			if c.Index >= k-1 && c.Index <= k+1 {
				step = &cps[i]
			}
		}
		if step == nil {
			t.Fatalf("seed %d: no change point at %d±1: %+v", seed, k, cps)
		}
		if math.Abs(step.Change()-3) > 0.6 || step.PValue >= DefaultMaxPValue {
			t.Errorf("seed %d: change %.2f (p=%g), want about +3", seed, step.Change(), step.PValue)
		}
		if len(cps) > 1 {
			extra++ // the noise after the step split once more
		}
	}
	if extra > seeds*3/100 {
		t.Errorf("%d of %d histories had a second change point", extra, seeds)
	}
}

// TestOneOutlierIsNoShift puts one outlier, of any size, anywhere in
// histories of noise with no level change (the points other than the
// outlier show none, whichever one is the outlier): none appears.
func TestOneOutlierIsNoShift(t *testing.T) {
	const seeds = 50
	quiet, tried := 0, 0
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 2))
		clean := bounded(r, 30, 10, 0.04)
		if len(Detect(clean, Options{})) > 0 {
			continue
		}
		quiet++
		for at := range clean {
			rest := append(append([]float64(nil), clean[:at]...), clean[at+1:]...)
			if len(Detect(rest, Options{})) > 0 {
				continue // the noise itself leans, without this point
			}
			tried++
			for _, size := range []float64{0.5, 3, 100} {
				x := append([]float64(nil), clean...)
				x[at] *= size
				if cps := Detect(x, Options{}); len(cps) != 0 {
					t.Fatalf("seed %d: outlier x%g at %d gave change points %+v", seed, size, at, cps)
				}
			}
		}
	}
	if quiet < seeds*97/100 || tried < quiet*30*97/100 {
		t.Fatalf("only %d of %d noise histories were quiet, %d of their %d points tried", quiet, seeds, tried, quiet*30)
	}
}

func TestNoChangeNoShift(t *testing.T) {
	flat := make([]float64, 40)
	for i := range flat {
		flat[i] = 7
	}
	if cps := Detect(flat, Options{}); len(cps) != 0 {
		t.Fatalf("constant series: %+v", cps)
	}
}

func TestTwoStepsAndAnExactStep(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	x := append(append(noisy(r, 15, 10, 0.03), noisy(r, 15, 20, 0.03)...), noisy(r, 15, 12, 0.03)...)
	cps := Detect(x, Options{})
	if len(cps) != 2 || cps[0].Index != 15 || cps[1].Index != 30 {
		t.Fatalf("two steps: %+v", cps)
	}
	if cps[0].Change() < 8 || cps[1].Change() > -6 {
		t.Fatalf("sizes: %+v", cps)
	}

	// No noise at all: the step is certain.
	exact := []float64{5, 5, 5, 5, 9, 9, 9, 9}
	cps = Detect(exact, Options{})
	if len(cps) != 1 || cps[0].Index != 4 || cps[0].PValue != 0 || cps[0].Change() != 4 {
		t.Fatalf("exact step: %+v", cps)
	}
	// Three points at a new level are not yet a level (MinSize 4).
	if cps := Detect(exact[:7], Options{}); len(cps) != 0 {
		t.Fatalf("three points after the step: %+v", cps)
	}
	if cps := Detect(exact[:7], Options{MinSize: 3}); len(cps) != 1 || cps[0].Index != 4 {
		t.Fatalf("MinSize 3: %+v", cps)
	}
}

func TestLongSeriesUsesWindows(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	x := append(noisy(r, 170, 10, 0.05), noisy(r, 30, 8, 0.05)...)
	cps := Detect(x, Options{})
	if len(cps) != 1 || cps[0].Index < 169 || cps[0].Index > 171 {
		t.Fatalf("step at 170 in 200 points: %+v", cps)
	}
	if cps[0].Relative() > -0.15 || cps[0].Relative() < -0.25 {
		t.Fatalf("relative change %.3f, want about -0.2", cps[0].Relative())
	}
}

func TestTooShort(t *testing.T) {
	if cps := Detect([]float64{1, 100, 100}, Options{}); cps != nil {
		t.Fatalf("3 points: %+v", cps)
	}
	if cps := Detect(nil, Options{}); cps != nil {
		t.Fatalf("empty: %+v", cps)
	}
}

// TestQHatMatchesDefinition checks the O(1) table form of Q̂ against the
// sums of Matteson and James's definition.
func TestQHatMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	x := noisy(r, 17, 3, 0.5)
	d := newDivergence(x)
	for s := 0; s < len(x); s++ {
		for tau := s + 1; tau < len(x); tau++ {
			for kappa := tau + 1; kappa <= len(x); kappa++ {
				got, want := d.q(s, tau, kappa), qDirect(x[s:tau], x[tau:kappa])
				if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
					t.Fatalf("Q(%d,%d,%d) = %g, want %g", s, tau, kappa, got, want)
				}
			}
		}
	}
}

func qDirect(a, b []float64) float64 {
	n, m := float64(len(a)), float64(len(b))
	var cross, wa, wb float64
	for _, u := range a {
		for _, v := range b {
			cross += math.Abs(u - v)
		}
	}
	for i := range a {
		for j := i + 1; j < len(a); j++ {
			wa += math.Abs(a[i] - a[j])
		}
	}
	for i := range b {
		for j := i + 1; j < len(b); j++ {
			wb += math.Abs(b[i] - b[j])
		}
	}
	// E = 2/(nm)·cross − wa/C(n,2) − wb/C(m,2); Q = nm/(n+m)·E.
	e := 2 / (n * m) * cross
	if n > 1 {
		e -= wa / (n * (n - 1) / 2)
	}
	if m > 1 {
		e -= wb / (m * (m - 1) / 2)
	}
	return n * m / (n + m) * e
}

// TestStudentKnownValue checks the p-value against a textbook example:
// Student's two-sample test of [27.5 21.0 19.0 23.6 17.0 17.9 16.9 20.1
// 21.9 22.6 23.1 19.6 19.0 21.7 21.4] vs [27.1 22.0 20.8 23.4 23.4 23.5
// 25.8 22.0 24.8 20.2 21.9 22.1 22.9 20.5 24.4] (Wikipedia, "Welch's
// t-test", example 1; with equal sizes the pooled t equals Welch's,
// t = -2.46, and df = 28 gives p = 0.020).
func TestStudentKnownValue(t *testing.T) {
	a := []float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4}
	b := []float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4}
	p := student(sideOf(a), sideOf(b))
	if math.Abs(p-0.020) > 0.001 {
		t.Fatalf("p = %.4f, want 0.020", p)
	}
	// Large values (latencies in ns) keep their precision.
	for i := range a {
		a[i], b[i] = a[i]*1e6+1e12, b[i]*1e6+1e12
	}
	if q := student(sideOf(a), sideOf(b)); math.Abs(q-p) > 1e-9 {
		t.Fatalf("shifted and scaled: p = %g, want %g", q, p)
	}
}

// TestCalibration measures the detector on 200 synthetic histories of
// each kind (fixed seeds, so the counts are exact and the test cannot
// flake): false alarms on pure noise and on one outlier, and how often a
// real step is found, with and without an outlier beside it.
// Over 300 seeds: 1/300 false on noise, 1/2100 on one outlier, 269/300,
// 265/300 and 298/300 found.
func TestCalibration(t *testing.T) {
	var noiseFP, outlierFP, found, foundOutlier, foundShort int
	const n = 200
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 7))
		if len(Detect(noisy(r, 60, 10, 0.1), Options{})) > 0 {
			noiseFP++
		}
		for _, at := range []int{0, 1, 7, 14, 27, 28, 29} {
			x := noisy(r, 30, 10, 0.04)
			x[at] *= 3
			if len(Detect(x, Options{})) > 0 {
				outlierFP++
			}
		}
		// A step of 2.5 noise sigmas after run 20 of 30.
		x := append(noisy(r, 20, 10, 0.04), noisy(r, 10, 11, 0.04)...)
		if cps := Detect(x, Options{}); len(cps) == 1 && cps[0].Index >= 19 && cps[0].Index <= 21 {
			found++
		}
		x[5] *= 2
		if cps := Detect(x, Options{}); len(cps) == 1 && cps[0].Index >= 19 && cps[0].Index <= 21 {
			foundOutlier++
		}
		// Five noise sigmas, only four runs at the new level yet.
		x = append(noisy(r, 20, 10, 0.04), noisy(r, 4, 12, 0.04)...)
		if len(Detect(x, Options{})) == 1 {
			foundShort++
		}
	}
	t.Logf("pure noise: %d/%d false; one outlier: %d/%d false; step: %d/%d found, with an outlier %d/%d, four runs after %d/%d",
		noiseFP, n, outlierFP, 7*n, found, n, foundOutlier, n, foundShort, n)
	if noiseFP > n*3/100 || outlierFP > 7*n/500 || found < n*85/100 || foundOutlier < n*85/100 || foundShort < n*95/100 {
		t.Fatal("calibration out of bounds")
	}
}
