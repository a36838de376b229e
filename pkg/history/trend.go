package history

import (
	"math"
	"sort"
	"time"

	"github.com/loadgen/loadgen/pkg/changepoint"
	"github.com/loadgen/loadgen/pkg/report"
)

// Verdicts of a shift: report's (better, worse, within noise), and "shift"
// for a figure with no good direction (requests, rate).
const VerdictShift = "shift"

// TrendOptions tune Trends. The zero value trends the default metrics.
type TrendOptions struct {
	// Metrics to trend, by name (default: those of Metrics with Trend).
	Metrics []string
	// Detect tunes the change-point search.
	Detect changepoint.Options
}

// Trend is one metric over the runs of one name and kind.
type Trend struct {
	Name   string  `json:"name"`
	Kind   string  `json:"kind"`
	Metric Metric  `json:"metric"`
	Points []Point `json:"points"`
	Shifts []Shift `json:"shifts"`
}

// Group names the trend's runs: the name, with the kind when it is not a
// plain attack ("api (capacity)").
func (t Trend) Group() string { return GroupName(t.Name, t.Kind) }

// GroupName is Trend.Group for a name and kind.
func GroupName(name, kind string) string {
	if kind == "" || kind == KindAttack {
		return name
	}
	return name + " (" + kind + ")"
}

// Point is one run's value of the metric.
type Point struct {
	RunID  string            `json:"run_id"`
	Start  time.Time         `json:"start"`
	Labels map[string]string `json:"labels,omitempty"`
	Path   string            `json:"path"`
	Value
}

// Shift is a run where the metric's level moved and stayed moved.
type Shift struct {
	// RunID and Index (into Points) name the first run at the new level.
	RunID string    `json:"run_id"`
	Index int       `json:"index"`
	Start time.Time `json:"start"`
	// Before and After are the mean levels of the runs on either side,
	// up to the neighbouring shifts; Change is After - Before and
	// Relative is Change / Before.
	Before   float64 `json:"before"`
	After    float64 `json:"after"`
	Change   float64 `json:"change"`
	Relative float64 `json:"relative"`
	// PValue is the change-point test's (package changepoint).
	PValue float64 `json:"pvalue"`
	// Noise is the half-width of compare's noise band between a typical
	// run before and after (nil when the runs have no per-interval
	// spread of this metric); BeyondNoise says the shift is wider.
	Noise       *float64 `json:"noise"`
	BeyondNoise bool     `json:"beyond_noise"`
	// Verdict is better, worse, within noise, or shift (no direction).
	Verdict string `json:"verdict"`
}

// Trends groups runs by name and kind (oldest first) and, for each metric,
// finds the runs where its level shifted. Kinds are apart because their
// figures are of different loads (a capacity run's summary is its step at
// the sustainable rate). Interrupted runs are left out: a partial run is
// not a level. Groups come out sorted by name, then kind; metrics in the
// order asked for; a metric no run of a group has is left out.
func Trends(runs []Run, o TrendOptions) []Trend {
	names := o.Metrics
	if len(names) == 0 {
		for _, m := range Metrics() {
			if m.Trend {
				names = append(names, m.Name)
			}
		}
	}
	type key struct{ name, kind string }
	byGroup := map[key][]Run{}
	for _, r := range runs {
		if !r.Interrupted {
			k := key{r.Name, r.Kind}
			byGroup[k] = append(byGroup[k], r)
		}
	}
	groups := make([]key, 0, len(byGroup))
	for k := range byGroup {
		groups = append(groups, k)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].name != groups[j].name {
			return groups[i].name < groups[j].name
		}
		return groups[i].kind < groups[j].kind
	})
	var out []Trend
	for _, g := range groups {
		rs := byGroup[g]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Start.Before(rs[j].Start) })
		for _, name := range names {
			m, ok := MetricByName(name)
			if !ok {
				continue
			}
			t := Trend{Name: g.name, Kind: g.kind, Metric: m}
			for _, r := range rs {
				if v, ok := r.Metrics[name]; ok {
					t.Points = append(t.Points, Point{RunID: r.ID, Start: r.Start, Labels: r.Labels, Path: r.Path, Value: v})
				}
			}
			if len(t.Points) == 0 {
				continue
			}
			t.Shifts = shifts(t.Points, m, o.Detect)
			out = append(out, t)
		}
	}
	return out
}

func shifts(pts []Point, m Metric, o changepoint.Options) []Shift {
	xs := make([]float64, len(pts))
	for i, p := range pts {
		xs[i] = p.V
	}
	var out []Shift
	for _, cp := range changepoint.Detect(xs, o) {
		s := Shift{
			RunID: pts[cp.Index].RunID, Index: cp.Index, Start: pts[cp.Index].Start,
			Before: cp.Before.Mean, After: cp.After.Mean, Change: cp.Change(), Relative: cp.Relative(),
			PValue: cp.PValue, BeyondNoise: true,
		}
		if band, ok := report.NoiseBand(typical(pts[cp.Start:cp.Index]), typical(pts[cp.Index:cp.End]), m.Extreme); ok {
			// Compare's floor: under 1 % nothing is called.
			band = max(band, 0.01*max(math.Abs(s.Before), math.Abs(s.After)))
			s.Noise = &band
			s.BeyondNoise = math.Abs(s.Change) > band
		}
		switch {
		case !s.BeyondNoise:
			s.Verdict = report.VerdictNoise
		case m.Better == 0:
			s.Verdict = VerdictShift
		case (s.Change > 0) == (m.Better > 0):
			s.Verdict = report.VerdictBetter
		default:
			s.Verdict = report.VerdictWorse
		}
		out = append(out, s)
	}
	return out
}

// typical is the spread of a typical run of a segment: the root mean
// square of the runs' σ and the median of their interval counts, over the
// runs that have a spread.
func typical(pts []Point) report.Spread {
	var ss float64
	var ns []int
	for _, p := range pts {
		if p.N > 0 {
			ss += p.Sigma * p.Sigma
			ns = append(ns, p.N)
		}
	}
	if len(ns) == 0 {
		return report.Spread{}
	}
	sort.Ints(ns)
	return report.Spread{Sigma: math.Sqrt(ss / float64(len(ns))), N: ns[len(ns)/2]}
}
