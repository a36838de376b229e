package changepoint

import "math"

// divergence computes the e-divisive statistic Q̂ (Matteson and James,
// alpha = 1) of splits of one segment of a series. It is written by hand:
// no Go library implements e-divisive, and the segment is at most one
// window long, so an O(L²) table of within-segment distance sums is cheap.
type divergence struct {
	x []float64 // the segment
	// w[i][j] (i <= j) is the sum of |x[a]-x[b]| over i <= a < b < j.
	w [][]float64
}

func newDivergence(x []float64) *divergence {
	n := len(x)
	w := make([][]float64, n+1)
	for i := range w {
		w[i] = make([]float64, n+1)
	}
	// w[i][j] = w[i+1][j] + sum over i < k < j of |x[i]-x[k]|.
	for i := n - 1; i >= 0; i-- {
		row := 0.0
		for j := i + 1; j <= n; j++ {
			if j-1 > i {
				row += math.Abs(x[i] - x[j-1])
			}
			w[i][j] = w[i+1][j] + row
		}
	}
	return &divergence{x: x, w: w}
}

// q is Q̂ of X = x[s:tau] against Y = x[tau:kappa]:
//
//	Q̂ = 2/(n+m)·Σ|X-Y| − 2m/((n+m)(n−1))·Σ|Xi−Xj| − 2n/((n+m)(m−1))·Σ|Yi−Yj|
//
// with n = |X| and m = |Y| (the within sums over i < j).
func (d *divergence) q(s, tau, kappa int) float64 {
	n, m := float64(tau-s), float64(kappa-tau)
	wx, wy := d.w[s][tau], d.w[tau][kappa]
	cross := d.w[s][kappa] - wx - wy
	q := 2 / (n + m) * cross
	if n > 1 {
		q -= 2 * m / ((n + m) * (n - 1)) * wx
	}
	if m > 1 {
		q -= 2 * n / ((n + m) * (m - 1)) * wy
	}
	return q
}

// best returns the split tau of x[s:e] that maximises Q̂ over every end
// kappa (Matteson and James's search over tau and kappa), with at least
// minSize points on each side; ok is false when the segment is too short.
func (d *divergence) best(s, e, minSize int) (tau int, qhat float64, ok bool) {
	qhat = math.Inf(-1)
	for t := s + minSize; t+minSize <= e; t++ {
		for k := t + minSize; k <= e; k++ {
			if v := d.q(s, t, k); v > qhat {
				tau, qhat, ok = t, v, true
			}
		}
	}
	return tau, qhat, ok
}
