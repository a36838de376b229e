package html

import (
	"sort"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// chartData is what the page's charts plot, embedded as JSON. Series are
// column arrays (uPlot's data layout); null marks a gap (an interval with no
// responses, a sample without that gauge). Its size grows with the number of
// intervals, never with the number of requests.
type chartData struct {
	// Latency timeline: one point per interval, plotted at the interval's
	// end because it describes the interval before it, like a collector
	// sample does; both timelines then share one time axis.
	Time   []float64  `json:"time"` // Unix seconds
	P50    []*float64 `json:"p50"`  // ms
	P90    []*float64 `json:"p90"`
	P99    []*float64 `json:"p99"`
	Max    []*float64 `json:"max"`
	Rate   []float64  `json:"rate"`   // responses per second
	Errors []float64  `json:"errors"` // errors per second

	// Exemplars: the slowest requests, drawn on the latency chart;
	// TraceLink: where a click on one goes ("" : it copies the trace id).
	Exemplars []marker `json:"exemplars"`
	TraceLink string   `json:"trace_link"`
	// Groups are the endpoint groups' latency timelines on Time, in the
	// summary's order, for the latency chart's group switch.
	Groups []groupSeries `json:"groups,omitempty"`

	Target   *targetSeries  `json:"target"`
	Spectrum *spectrum      `json:"spectrum"`
	Capacity *capacityCurve `json:"capacity"`
	// The x range shared by every timeline chart.
	XMin float64 `json:"xmin"`
	XMax float64 `json:"xmax"`
}

// targetSeries is the target timeline (target.jsonl) as columns.
type targetSeries struct {
	Time       []float64  `json:"time"`
	CPU        []*float64 `json:"cpu"`      // percent, 100 = one core
	RSS        []*float64 `json:"rss"`      // bytes
	GCPause    []*float64 `json:"gc_pause"` // ms, longest in the preceding interval
	GCCount    []*float64 `json:"gc_count"`
	Goroutines []*float64 `json:"goroutines"`
}

func newChartData(rep *report.Report, timeline []runrecord.TargetSample) chartData {
	var c chartData
	if cp := rep.Summary.Capacity; cp != nil {
		c.Capacity = newCapacityCurve(cp)
	}
	for _, p := range rep.Intervals {
		secs := float64(p.EndMs-p.StartMs) / 1000
		if secs <= 0 {
			secs = 1
		}
		c.Time = append(c.Time, float64(p.EndMs)/1000)
		has := p.Count > 0
		c.P50 = append(c.P50, opt(ms(p.P50), has))
		c.P90 = append(c.P90, opt(ms(p.P90), has))
		c.P99 = append(c.P99, opt(ms(p.P99), has))
		c.Max = append(c.Max, opt(ms(p.Max), has))
		c.Rate = append(c.Rate, float64(p.Count)/secs)
		c.Errors = append(c.Errors, float64(p.Errors)/secs)
	}
	if len(rep.Intervals) > 0 {
		// The axis starts at the first point, not at the start of the
		// interval it covers: an empty first second helps nobody.
		c.XMin = c.Time[0]
		c.XMax = c.Time[len(c.Time)-1]
	}
	if len(timeline) > 0 {
		t := &targetSeries{}
		// The attack began where its first interval starts.
		began := 0.0
		if len(rep.Intervals) > 0 {
			began = float64(rep.Intervals[0].StartMs) / 1000
		}
		for _, s := range timeline {
			// The idle baseline before the attack is in the summary's
			// table; on the shared axis it would only push the attack
			// to the right. Rows within the first interval are the
			// attack's: a 1 s attack may have no other (dropping them
			// lost the demo's target chart on a busy box).
			if s.Baseline || float64(s.TimeMs)/1000 < began {
				continue
			}
			t.Time = append(t.Time, float64(s.TimeMs)/1000)
			t.CPU = append(t.CPU, s.CPUPercent)
			t.RSS = append(t.RSS, s.RSSBytes)
			t.GCCount = append(t.GCCount, s.GCCount)
			t.Goroutines = append(t.Goroutines, s.Goroutines)
			var pause *float64
			if s.GCPauseMax != nil {
				pause = opt(ms(*s.GCPauseMax), true)
			}
			t.GCPause = append(t.GCPause, pause)
		}
		if len(t.Time) > 0 {
			c.Target = t
			// The collector may end after the attack (its last CPU
			// window); the shared axis spans it so nothing is cut off.
			if c.XMin == 0 || t.Time[0] < c.XMin {
				c.XMin = t.Time[0]
			}
			if last := t.Time[len(t.Time)-1]; last > c.XMax {
				c.XMax = last
			}
		}
	}
	c.Spectrum = newSpectrum(rep.Latency, rep.Service)
	return c
}

func opt(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

// capacityCurve is a capacity search against the offered rate: one point
// per rate, the passing attempt when a retry passed (a retry exists only to
// rule out noise), steps cut by Ctrl-C left out.
type capacityCurve struct {
	Rate        []float64  `json:"rate"`       // offered, requests/s
	Throughput  []float64  `json:"throughput"` // successful responses/s
	P50         []*float64 `json:"p50"`        // ms, from the intended send time
	P99         []*float64 `json:"p99"`
	P999        []*float64 `json:"p999"`
	Pass        []bool     `json:"pass"`
	Sustainable float64    `json:"sustainable"`
	// Limits are the SLO's latency bounds, drawn as lines on the
	// latency-vs-rate chart.
	Limits []latencyLimit `json:"limits,omitempty"`
}

type latencyLimit struct {
	Key   string  `json:"key"` // p50, p99, p999, max ...
	Label string  `json:"label"`
	Ms    float64 `json:"ms"`
}

func newCapacityCurve(c *runrecord.Capacity) *capacityCurve {
	best := map[float64]runrecord.CapacityStep{}
	for _, s := range c.Steps {
		if s.Interrupted {
			continue
		}
		if have, ok := best[s.Rate]; ok && have.Pass && !s.Pass {
			continue
		}
		best[s.Rate] = s
	}
	if len(best) == 0 {
		return nil
	}
	rates := make([]float64, 0, len(best))
	for r := range best {
		rates = append(rates, r)
	}
	sort.Float64s(rates)
	k := &capacityCurve{Sustainable: c.SustainableRate}
	for _, l := range c.LatencyLimits {
		k.Limits = append(k.Limits, latencyLimit{Key: l.Key, Label: l.Expr, Ms: ms(l.Limit)})
	}
	for _, r := range rates {
		s := best[r]
		k.Rate = append(k.Rate, r)
		k.Throughput = append(k.Throughput, s.Throughput)
		k.P50 = append(k.P50, opt(ms(s.P50), s.Requests > 0))
		k.P99 = append(k.P99, opt(ms(s.P99), s.Requests > 0))
		k.P999 = append(k.P999, opt(ms(s.P999), s.Requests > 0))
		k.Pass = append(k.Pass, s.Pass)
	}
	return k
}

// spanMarkers widens the time axis to every exemplar marker. The axis
// starts at the first interval's end, so a request that ended inside the
// first interval (the slowest of a run often does: cold connections, a
// busy start) sat left of the axis and was never drawn.
func (c *chartData) spanMarkers() {
	if c.XMin == 0 {
		return
	}
	for _, m := range c.Exemplars {
		c.XMin = min(c.XMin, m.X)
		c.XMax = max(c.XMax, m.X)
	}
}
