package changepoint

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mathext"
)

// side holds one side of a candidate change point as deviations from a
// reference level, so that the sums stay exact for large values such as
// latencies in nanoseconds.
type side struct {
	ref    float64 // the deviations are from this level
	s1, s2 float64 // Σ(x-ref), Σ(x-ref)²
	n      int
}

func sideOf(x []float64) side {
	s := side{n: len(x)}
	for _, v := range x {
		s.ref += v
	}
	if s.n > 0 {
		s.ref /= float64(s.n)
	}
	for _, v := range x {
		d := v - s.ref
		s.s1 += d
		s.s2 += d * d
	}
	return s
}

// without is the side with the point x left out.
func (s side) without(x float64) side {
	d := x - s.ref
	return side{ref: s.ref, s1: s.s1 - d, s2: s.s2 - d*d, n: s.n - 1}
}

func (s side) mean() float64 { return s.ref + s.s1/float64(s.n) }

// ss is the sum of squared deviations from the side's own mean.
func (s side) ss() float64 { return max(s.s2-s.s1*s.s1/float64(s.n), 0) }

func (s side) stats() Stats {
	st := Stats{N: s.n}
	if s.n > 0 {
		st.Mean = s.mean()
	}
	if s.n > 1 {
		st.StdDev = math.Sqrt(s.ss() / float64(s.n-1))
	}
	return st
}

// student is the two-sided p-value of Student's two-sample t-test
// (pooled variance), the test Hunter uses. Two sides with no spread at all
// differ certainly (p = 0) or not at all (p = 1).
func student(a, b side) float64 {
	if a.n < 1 || b.n < 1 || a.n+b.n < 3 {
		return 1
	}
	df := float64(a.n + b.n - 2)
	diff := b.mean() - a.mean()
	se2 := (a.ss() + b.ss()) / df * (1/float64(a.n) + 1/float64(b.n))
	if se2 == 0 {
		if diff == 0 {
			return 1
		}
		return 0
	}
	// P(|T| > |t|) for Student's t with df degrees of freedom is the
	// regularised incomplete beta I_{df/(df+t²)}(df/2, 1/2).
	return mathext.RegIncBeta(df/2, 0.5, df/(df+diff*diff/se2))
}

// robustP is the p-value of a and b having the same mean, robust to one
// wild point either way:
//
//   - a shift must survive leaving out any one point: the p-value is the
//     largest of Student's over the full sides and every side with one
//     point dropped, so a shift carried by a single point vanishes;
//   - a side may hold one outlier that hides a real shift: an outlier by
//     Iglewicz and Hoaglin's modified z-score (|0.6745·(x−median)/MAD| >
//     3.5; "How to Detect and Handle Outliers", ASQC 1993) may be set
//     aside first, the one farthest from its side's median, when the side
//     keeps at least minSize points without it (the smaller p-value of
//     setting aside nothing, a's or b's outlier).
//
// Both are needed with histories of load-test runs: one stalled run must
// neither make a level nor hide one.
func robustP(a, b []float64, minSize int) float64 {
	sa, sb := sideOf(a), sideOf(b)
	p := looMax(sa, sb, a, b, -1, -1)
	ia, ib, ok := outliers(a, b)
	if ok[0] && len(a) > max(minSize, 2) {
		p = min(p, looMax(sa.without(a[ia]), sb, a, b, ia, -1))
	}
	if ok[1] && len(b) > max(minSize, 2) {
		p = min(p, looMax(sa, sb.without(b[ib]), a, b, -1, ib))
	}
	return p
}

// outliers finds the point of a and of b farthest from its side's median,
// and whether each is an outlier by the modified z-score. The MAD pools
// the deviations of both sides (each from its own median), so a short
// side has a stable scale.
func outliers(a, b []float64) (ia, ib int, ok [2]bool) {
	ma, mb := median(a), median(b)
	dev := make([]float64, 0, len(a)+len(b))
	for _, x := range a {
		dev = append(dev, math.Abs(x-ma))
	}
	for _, x := range b {
		dev = append(dev, math.Abs(x-mb))
	}
	mad := median(dev)
	out := func(x, med float64) bool {
		d := math.Abs(x - med)
		if mad == 0 {
			return d > 0
		}
		return 0.6745*d/mad > 3.5
	}
	ia, ib = farthest(a, ma), farthest(b, mb)
	return ia, ib, [2]bool{out(a[ia], ma), out(b[ib], mb)}
}

// looMax is the largest of Student's p-values over sa, sb and every one
// point of a or b left out (except a[skipA] and b[skipB], already out).
func looMax(sa, sb side, a, b []float64, skipA, skipB int) float64 {
	p := student(sa, sb)
	for i, x := range a {
		if i != skipA {
			p = max(p, student(sa.without(x), sb))
		}
	}
	for i, x := range b {
		if i != skipB {
			p = max(p, student(sa, sb.without(x)))
		}
	}
	return p
}

// farthest is the index of the point of x farthest from med.
func farthest(x []float64, med float64) int {
	at, far := 0, -1.0
	for i, v := range x {
		if d := math.Abs(v - med); d > far {
			at, far = i, d
		}
	}
	return at
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
