// Package changepoint finds the points where the level of a series shifts:
// for example the run, in a history of runs of one load test, after which
// p99 went from 4 ms to 6 ms and stayed there.
//
// The method is e-divisive means with the changes of Hunter, as Apache
// Otava (formerly Hunter) uses it for performance test results:
//
//   - D. S. Matteson and N. A. James, "A Nonparametric Approach for Multiple
//     Change Point Analysis of Multivariate Data", JASA 109(505), 2014
//     (arXiv:1306.4933): the candidate split of a segment is the one that
//     maximises the energy divergence Q̂ between the points before and
//     after it (alpha = 1);
//   - M. Fleming, P. Kołaczkowski, I. Kumar, S. Das, S. Nowak and others,
//     "Hunter: Using Change Point Detection to Hunt for Performance
//     Regressions", ICPE 2023 (arXiv:2301.03034): a deterministic
//     significance test instead of the permutation test, fixed-size sliding
//     windows, and a first pass at a relaxed threshold ("weak" change
//     points) followed by a merge pass at the strict one.
//
// One addition to Hunter: the significance test is made robust to one
// wild point. A change point must stay significant with any one point left
// out, after each side may set aside its one point farthest from its
// median; and each segment holds at least MinSize points. A shift carried
// by one stalled run vanishes when that run is left out, and one stalled
// run cannot hide a real shift either. (Student's test alone calls a
// single outlier at the end of a long quiet history significant, and
// misses a real step when an outlier inflates one side's variance.)
//
// Usage:
//
//	cps := changepoint.Detect(p99s, changepoint.Options{})
//	for _, cp := range cps {
//		fmt.Printf("level moved at %d: %.1f -> %.1f (p=%.2g)\n", cp.Index, cp.MeanBefore, cp.MeanAfter, cp.PValue)
//	}
package changepoint
