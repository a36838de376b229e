package changepoint

import "sort"

// Defaults of Options.
const (
	DefaultMaxPValue = 0.0003
	DefaultWindow    = 50
	DefaultMinSize   = 4
)

// Options tune Detect. The zero value uses the defaults.
type Options struct {
	// MaxPValue is the significance threshold: a change point is kept
	// when Student's t-test between the segments on either side of it
	// gives a p-value below it, robustly (see PValue). Default 0.0003:
	// the robust p-value is not Otava's, and at 0.0003 it calls as few
	// shifts in pure noise as Otava's 0.001 (TestCalibration).
	MaxPValue float64
	// Window is the length of the sliding windows that candidates are
	// searched in (Hunter's fixed-size windows); windows overlap by half.
	// Default 50.
	Window int
	// MinSize is the fewest points each side of a change point holds.
	// Default 4: with one point left out, three remain, so neither one
	// outlier nor two points that happen to sit in the tail make a level.
	MinSize int
}

func (o Options) withDefaults() Options {
	if o.MaxPValue <= 0 {
		o.MaxPValue = DefaultMaxPValue
	}
	if o.MinSize < 1 {
		o.MinSize = DefaultMinSize
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	o.Window = max(o.Window, 2*o.MinSize)
	return o
}

// Stats describe the points on one side of a change point, up to the
// neighbouring change point (or the end of the series).
type Stats struct {
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"` // sample standard deviation
	N      int     `json:"n"`
}

// ChangePoint is a place where the level of the series shifted.
type ChangePoint struct {
	// Index is the first point at the new level.
	Index int `json:"index"`
	// Start and End bound the segments compared: series[Start:Index] is
	// Before, series[Index:End] is After.
	Start int `json:"start"`
	End   int `json:"end"`
	// PValue is Student's two-sided p-value for Before and After having
	// the same mean, made robust to one wild point: the largest over every
	// choice of one point left out, after setting aside at most one
	// outlier per side when that makes the shift clearer.
	PValue float64 `json:"pvalue"`
	Before Stats   `json:"before"`
	After  Stats   `json:"after"`
}

// Change is the shift of the mean, After minus Before.
func (c ChangePoint) Change() float64 { return c.After.Mean - c.Before.Mean }

// Relative is Change as a fraction of the level before (0 when it was 0).
func (c ChangePoint) Relative() float64 {
	if c.Before.Mean == 0 {
		return 0
	}
	return c.Change() / c.Before.Mean
}

// Detect returns the change points of series, in order. A series shorter
// than twice MinSize has none.
//
// It runs Hunter's two passes: e-divisive in sliding windows at a relaxed
// threshold (ten times MaxPValue) finds "weak" change points; then the
// weakest is dropped, and its neighbours re-tested against their widened
// segments, until every one left passes MaxPValue.
func Detect(series []float64, opt Options) []ChangePoint {
	o := opt.withDefaults()
	if len(series) < 2*o.MinSize {
		return nil
	}
	// Otava's first-pass threshold.
	first := o.MaxPValue
	switch {
	case o.MaxPValue < 0.05:
		first = o.MaxPValue * 10
	case o.MaxPValue < 0.5:
		first = o.MaxPValue * 2
	}
	return merge(series, split(series, o, first), o)
}

// split is Hunter's first pass: e-divisive in windows of o.Window points
// that advance by half a window (or to the last change point found).
func split(x []float64, o Options, maxP float64) []int {
	found := map[int]bool{}
	step := max(o.Window/2, 1)
	for start := 0; start < len(x); {
		end := min(start+o.Window, len(x))
		local := segment(x[start:end], o.MinSize, maxP)
		last := 0
		for _, i := range local {
			found[start+i] = true
			last = start + i
		}
		if end == len(x) {
			break
		}
		start = max(last, start+step)
	}
	idx := make([]int, 0, len(found))
	for i := range found {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

// segment is e-divisive on one window (Matteson and James's hierarchical
// bisection): split the segment whose best split has the largest Q̂, as
// long as that split is significant.
func segment(x []float64, minSize int, maxP float64) []int {
	d := newDivergence(x)
	var cps []int
	for {
		bounds := boundaries(cps, len(x))
		bestTau, bestQ, bestSeg := -1, 0.0, -1
		for s := 0; s+1 < len(bounds); s++ {
			tau, q, ok := d.best(bounds[s], bounds[s+1], minSize)
			if ok && (bestTau < 0 || q > bestQ) {
				bestTau, bestQ, bestSeg = tau, q, s
			}
		}
		if bestTau < 0 {
			return cps
		}
		a, b := bounds[bestSeg], bounds[bestSeg+1]
		if robustP(x[a:bestTau], x[bestTau:b], minSize) >= maxP {
			return cps
		}
		cps = append(cps, bestTau)
		sort.Ints(cps)
	}
}

// merge is Hunter's second pass: drop the weakest change point until all
// pass maxP. A change point closer than MinSize to a neighbour (windows
// can each find one of a close pair) is the weakest of all.
func merge(x []float64, idx []int, o Options) []ChangePoint {
	for {
		cps := measure(x, idx, o.MinSize)
		weakest, worst := -1, -1.0
		for i, c := range cps {
			p := c.PValue
			if c.Before.N < o.MinSize || c.After.N < o.MinSize {
				p = 2
			}
			if p > worst {
				weakest, worst = i, p
			}
		}
		if weakest < 0 || worst < o.MaxPValue {
			return cps
		}
		idx = append(idx[:weakest:weakest], idx[weakest+1:]...)
	}
}

// measure tests each change point against its neighbours.
func measure(x []float64, idx []int, minSize int) []ChangePoint {
	bounds := boundaries(idx, len(x))
	out := make([]ChangePoint, len(idx))
	for i, at := range idx {
		a, b := bounds[i], bounds[i+2]
		out[i] = ChangePoint{
			Index: at, Start: a, End: b,
			PValue: robustP(x[a:at], x[at:b], minSize),
			Before: sideOf(x[a:at]).stats(),
			After:  sideOf(x[at:b]).stats(),
		}
	}
	return out
}

// boundaries is 0, the sorted change points, n.
func boundaries(cps []int, n int) []int {
	b := make([]int, 0, len(cps)+2)
	b = append(b, 0)
	b = append(b, cps...)
	return append(b, n)
}
