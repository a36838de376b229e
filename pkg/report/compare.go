package report

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/google/pprof/profile"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Verdicts of a compared metric.
const (
	VerdictBetter  = "better"
	VerdictWorse   = "worse"
	VerdictNoise   = "within noise" // the difference is inside the noise band
	VerdictSame    = "same"         // exactly equal
	VerdictUnknown = "unknown"      // fewer than minSpread intervals: no noise band
	VerdictMissing = "not collected"
)

// minSpread is the fewest per-interval values a run needs for its spread
// to mean anything.
const minSpread = 3

// Unit kinds of a metric, for rendering.
const (
	UnitDuration = "ns"
	UnitRate     = "per_second"
	UnitRatio    = "ratio"
	UnitCount    = "count"
	UnitPercent  = "percent"
	UnitBytes    = "bytes"
)

// Comparison is the before/after of two run records (or two sets of
// shards): the summary metrics with a verdict each, and, when both sides
// have CPU profiles, the functions whose share of CPU changed most.
type Comparison struct {
	BaseDirs, NewDirs []string
	Base, New         *Report
	Metrics           []Metric
	// Functions is nil unless both sides have a CPU profile.
	Functions []FunctionShare
	// Groups compare the endpoint groups both sides have, metric by
	// metric with the same noise rule, on each group's own requests and
	// per-interval figures (nil unless a side has several groups).
	Groups []GroupComparison
	// baseTL and newTL are the target timelines (for the noise bands).
	baseTL, newTL []runrecord.TargetSample
	// BaseCPU and NewCPU are the merged CPU profiles (nil when missing),
	// loaded once for the share table and the diff flame graph.
	BaseCPU, NewCPU *profile.Profile
}

// HasProfiles reports whether both sides have a CPU profile.
func (c *Comparison) HasProfiles() bool { return c.BaseCPU != nil && c.NewCPU != nil }

// Metric is one row of the comparison. Name is the summary's JSON key
// path (latency.p99, target.cpu_percent.mean, ...); values are in the
// summary's units (durations in nanoseconds). Base or New is nil when that
// side did not collect the metric; Ratio is nil when Base is 0 or missing.
type Metric struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Unit    string   `json:"unit"`
	Base    *float64 `json:"base"`
	New     *float64 `json:"new"`
	Change  *float64 `json:"change"`
	Ratio   *float64 `json:"ratio"`
	Noise   *float64 `json:"noise"` // half-width of the noise band, in Unit
	Verdict string   `json:"verdict"`
	// HigherIsBetter says which way is an improvement.
	HigherIsBetter bool `json:"higher_is_better"`
}

// metricDef says how to read one metric from a run and its spread.
type metricDef struct {
	name, label, unit string
	higherIsBetter    bool
	// extreme metrics (a maximum, a far tail) are set by a few intervals,
	// not averaged over all of them: their noise band is not narrowed by
	// the number of intervals (see noiseBand).
	extreme bool
	value   func(s runrecord.Summary) (float64, bool)
	spread  func(r *Report, tl []runrecord.TargetSample) []float64
}

// Compare loads both sides (each one run record, or several shards merged)
// and compares them.
func Compare(baseDirs, newDirs []string) (*Comparison, error) {
	if len(baseDirs) == 0 || len(newDirs) == 0 {
		return nil, errors.New("compare needs a base and a new run record")
	}
	c := &Comparison{BaseDirs: baseDirs, NewDirs: newDirs}
	var err error
	if c.Base, err = Load(baseDirs...); err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if c.New, err = Load(newDirs...); err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	if c.baseTL, err = LoadTimeline(c.Base); err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if c.newTL, err = LoadTimeline(c.New); err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	for _, d := range metricDefs() {
		c.Metrics = append(c.Metrics, compareOn(d, c.Base, c.New, c.baseTL, c.newTL))
	}
	if c.Groups, err = compareGroups(c.Base, c.New); err != nil {
		return nil, err
	}
	if c.BaseCPU, err = LoadProfile("cpu", baseDirs...); err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	if c.NewCPU, err = LoadProfile("cpu", newDirs...); err != nil {
		return nil, fmt.Errorf("new: %w", err)
	}
	if c.HasProfiles() {
		c.Functions = shareChanges(c.BaseCPU, c.NewCPU, 10)
	}
	return c, nil
}

// compareOn compares one metric of two reports (btl, ntl: their target
// timelines).
func compareOn(d metricDef, base, next *Report, btl, ntl []runrecord.TargetSample) Metric {
	m := Metric{Name: d.name, Label: d.label, Unit: d.unit, HigherIsBetter: d.higherIsBetter}
	b, bok := d.value(base.Summary)
	n, nok := d.value(next.Summary)
	if bok {
		m.Base = &b
	}
	if nok {
		m.New = &n
	}
	if !bok || !nok {
		m.Verdict = VerdictMissing
		return m
	}
	diff := n - b
	m.Change = &diff
	if b != 0 {
		r := n / b
		m.Ratio = &r
	}
	if diff == 0 {
		m.Verdict = VerdictSame
		return m
	}
	if d.spread == nil { // exact counts: any difference is real
		m.Verdict = direction(diff, d.higherIsBetter)
		return m
	}
	band, ok := noiseBand(d.spread(base, btl), d.spread(next, ntl), d.extreme)
	if !ok {
		m.Verdict = VerdictUnknown
		return m
	}
	// Below 1 % nothing is called: that is under the resolution of the
	// inputs (HdrHistogram's 3 significant digits, a request more or less
	// per interval) even when both runs were perfectly steady.
	band = max(band, 0.01*max(math.Abs(b), math.Abs(n)))
	m.Noise = &band
	if math.Abs(diff) <= band {
		m.Verdict = VerdictNoise
		return m
	}
	m.Verdict = direction(diff, d.higherIsBetter)
	return m
}

func direction(diff float64, higherIsBetter bool) string {
	if (diff > 0) == higherIsBetter {
		return VerdictBetter
	}
	return VerdictWorse
}

// noiseBand is the noise rule. Each run's metric is also measured once per
// interval (latency interval, or collector sample); the spread of those
// values is what run-to-run noise is made of. The spread is measured
// robustly, σ = 1.4826 × the median absolute deviation (the standard
// deviation for normal data), so that one stalled interval does not hide a
// real shift of every other one. With n per-interval values per run:
//
//   - central figures (percentiles up to p99, throughput, success ratio,
//     mean CPU) behave like averages over the intervals: their uncertainty
//     is the standard error σ/√n, and the band is
//     2·√(σ_base²/n_base + σ_new²/n_new), about 95 % (Welch);
//   - extreme figures (p99.9, max, RSS max, GC pause p99, goroutines max)
//     are set by a few intervals, so more intervals do not narrow them: the
//     band is 2·√((σ_base² + σ_new²)/2), twice the pooled per-interval σ.
//
// A difference inside the band, or under 1 % of the larger value, is
// "within noise". Runs with fewer than minSpread values have no band
// (verdict "unknown").
func noiseBand(base, next []float64, extreme bool) (float64, bool) {
	return NoiseBand(SpreadOf(base), SpreadOf(next), extreme)
}

// robustSigma is 1.4826 × the median absolute deviation of xs.
func robustSigma(xs []float64) float64 {
	med := median(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	return 1.4826 * median(dev)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
