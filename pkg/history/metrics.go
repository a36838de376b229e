package history

import (
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Metric describes one headline figure kept for every run.
type Metric struct {
	// Name is the summary's JSON key path (latency.p99), as in compare.
	Name  string `json:"name"`
	Label string `json:"label"`
	// Unit is one of report's Unit constants.
	Unit string `json:"unit"`
	// Better is +1 when higher is better, -1 when lower is, 0 when the
	// figure has no good direction (requests, rate).
	Better int `json:"better"`
	// Extreme figures are set by a few intervals (a maximum, a far tail):
	// their noise band is not narrowed by the number of intervals.
	Extreme bool `json:"extreme,omitempty"`
	// Trend marks the figures that history trends by default.
	Trend bool `json:"trend,omitempty"`
}

// Metrics is every figure a run's row holds, in display order.
func Metrics() []Metric {
	lat := func(name, label string, trend bool) Metric {
		return Metric{Name: name, Label: label, Unit: report.UnitDuration, Better: -1, Extreme: report.Extreme(name), Trend: trend}
	}
	return []Metric{
		{Name: "requests", Label: "requests", Unit: report.UnitCount},
		{Name: "rate", Label: "rate", Unit: report.UnitRate},
		{Name: "throughput", Label: "throughput", Unit: report.UnitRate, Better: 1, Trend: true},
		{Name: "success_ratio", Label: "success ratio", Unit: report.UnitRatio, Better: 1, Trend: true},
		{Name: "missed", Label: "missed", Unit: report.UnitCount, Better: -1},
		lat("latency.p50", "latency p50", true),
		lat("latency.p90", "latency p90", false),
		lat("latency.p95", "latency p95", false),
		lat("latency.p99", "latency p99", true),
		lat("latency.p999", "latency p99.9", true),
		lat("latency.max", "latency max", false),
		lat("latency.mean", "latency mean", false),
		lat("service_latency.p50", "service latency p50", false),
		lat("service_latency.p99", "service latency p99", true),
		lat("dispatch_lag.p99", "dispatch lag p99", true),
		{Name: "target.cpu_percent.mean", Label: "target CPU (mean)", Unit: report.UnitPercent, Better: -1, Trend: true},
		{Name: "target.cpu_percent.max", Label: "target CPU (max)", Unit: report.UnitPercent, Better: -1, Extreme: true},
		{Name: "target.rss_bytes.mean", Label: "target RSS (mean)", Unit: report.UnitBytes, Better: -1},
		{Name: "target.rss_bytes.max", Label: "target RSS (max)", Unit: report.UnitBytes, Better: -1, Extreme: true, Trend: true},
		{Name: "target.gc_pause.p99", Label: "target GC pause p99", Unit: report.UnitDuration, Better: -1, Extreme: true, Trend: true},
		{Name: "target.goroutines.max", Label: "target goroutines (max)", Unit: report.UnitCount, Better: -1, Extreme: true},
		{Name: "capacity.sustainable_rate", Label: "sustainable rate", Unit: report.UnitRate, Better: 1, Trend: true},
	}
}

// MetricByName finds a metric of Metrics.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics() {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// figures reads the headline metrics of a loaded run: the summary's
// values, and the per-interval spread where compare has one (sp: from
// the run itself, or for a capacity run from its summary step).
func figures(s runrecord.Summary, sp map[string]report.Spread) map[string]Value {
	out := map[string]Value{}
	put := func(name string, v float64) {
		val := Value{V: v}
		if x, ok := sp[name]; ok {
			val.Sigma, val.N = x.Sigma, x.N
		}
		out[name] = val
	}
	d := func(t time.Duration) float64 { return float64(t) }
	put("requests", float64(s.Requests))
	put("rate", s.Rate)
	put("throughput", s.Throughput)
	put("missed", float64(s.Missed))
	if s.Requests > 0 {
		put("success_ratio", s.SuccessRatio)
		l := s.Latency
		put("latency.p50", d(l.P50))
		put("latency.p90", d(l.P90))
		put("latency.p95", d(l.P95))
		put("latency.p99", d(l.P99))
		put("latency.p999", d(l.P999))
		put("latency.max", d(l.Max))
		put("latency.mean", d(l.Mean))
		put("service_latency.p50", d(s.ServiceLatency.P50))
		put("service_latency.p99", d(s.ServiceLatency.P99))
		put("dispatch_lag.p99", d(s.DispatchLag.P99))
	}
	if t := s.Target; t != nil {
		put("target.cpu_percent.mean", t.CPUPercent.Mean)
		put("target.cpu_percent.max", t.CPUPercent.Max)
		put("target.rss_bytes.mean", t.RSSBytes.Mean)
		put("target.rss_bytes.max", t.RSSBytes.Max)
		put("target.gc_pause.p99", d(t.GCPause.P99))
		put("target.goroutines.max", t.Goroutines.Max)
	}
	if c := s.Capacity; c != nil {
		put("capacity.sustainable_rate", c.SustainableRate)
	}
	return out
}

// spreads is compare's per-interval spread of each metric of a loaded run,
// plus those compare does not table (service latency and dispatch lag
// p99, from the same latency intervals).
func spreads(rep *report.Report, tl []runrecord.TargetSample) map[string]report.Spread {
	sp := report.Spreads(rep, tl)
	var svc, lag []float64
	for _, p := range rep.Intervals {
		if p.Count > 0 {
			svc = append(svc, float64(p.ServiceP99))
			lag = append(lag, float64(p.LagP99))
		}
	}
	if len(svc) > 0 {
		sp["service_latency.p99"] = report.SpreadOf(svc)
		sp["dispatch_lag.p99"] = report.SpreadOf(lag)
	}
	return sp
}
