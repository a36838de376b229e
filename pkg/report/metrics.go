package report

import (
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// metricDefs are the rows of a comparison, in order. Names are the JSON
// key paths of the summary contract.
func metricDefs() []metricDef {
	lat := func(name, label string, extreme bool, get func(runrecord.Latency) time.Duration, per func(Point) time.Duration) metricDef {
		return metricDef{
			name: "latency." + name, label: label, unit: UnitDuration, extreme: extreme,
			value: func(s runrecord.Summary) (float64, bool) {
				return float64(get(s.Latency)), s.Requests > 0
			},
			spread: func(r *Report, _ []runrecord.TargetSample) []float64 {
				var out []float64
				for _, p := range r.Intervals {
					if p.Count > 0 {
						out = append(out, float64(per(p)))
					}
				}
				return out
			},
		}
	}
	target := func(name, label, unit string, extreme bool, get func(*runrecord.TargetSummary) float64, per func(runrecord.TargetSample) (float64, bool)) metricDef {
		return metricDef{
			name: "target." + name, label: label, unit: unit, extreme: extreme,
			value: func(s runrecord.Summary) (float64, bool) {
				if s.Target == nil {
					return 0, false
				}
				return get(s.Target), true
			},
			spread: func(_ *Report, tl []runrecord.TargetSample) []float64 {
				var out []float64
				for _, s := range tl {
					if v, ok := per(s); ok {
						out = append(out, v)
					}
				}
				return out
			},
		}
	}
	f := func(p *float64) (float64, bool) {
		if p == nil {
			return 0, false
		}
		return *p, true
	}
	return []metricDef{
		lat("p50", "latency p50", false, func(l runrecord.Latency) time.Duration { return l.P50 }, func(p Point) time.Duration { return p.P50 }),
		lat("p90", "latency p90", false, func(l runrecord.Latency) time.Duration { return l.P90 }, func(p Point) time.Duration { return p.P90 }),
		lat("p99", "latency p99", false, func(l runrecord.Latency) time.Duration { return l.P99 }, func(p Point) time.Duration { return p.P99 }),
		lat("p999", "latency p99.9", true, func(l runrecord.Latency) time.Duration { return l.P999 }, func(p Point) time.Duration { return p.P999 }),
		lat("max", "latency max", true, func(l runrecord.Latency) time.Duration { return l.Max }, func(p Point) time.Duration { return p.Max }),
		{
			name: "throughput", label: "throughput", unit: UnitRate, higherIsBetter: true,
			value: func(s runrecord.Summary) (float64, bool) { return s.Throughput, true },
			// The first and last intervals are partly outside the attack:
			// their counts are not throughput, only ramp.
			spread: trimEdges(perInterval(func(p Point, secs float64) (float64, bool) {
				return float64(uint64(p.Count)-min(p.Errors, uint64(p.Count))) / secs, true
			})),
		},
		{
			name: "success_ratio", label: "success ratio", unit: UnitRatio, higherIsBetter: true,
			value: func(s runrecord.Summary) (float64, bool) { return s.SuccessRatio, s.Requests > 0 },
			spread: perInterval(func(p Point, _ float64) (float64, bool) {
				if p.Count == 0 {
					return 0, false
				}
				return 1 - float64(min(p.Errors, uint64(p.Count)))/float64(p.Count), true
			}),
		},
		{
			// Missed slots are an exact count with no per-interval record:
			// any difference is reported as real.
			name: "missed", label: "missed", unit: UnitCount,
			value: func(s runrecord.Summary) (float64, bool) { return float64(s.Missed), true },
		},
		target("cpu_percent.mean", "target CPU (mean)", UnitPercent, false,
			func(t *runrecord.TargetSummary) float64 { return t.CPUPercent.Mean },
			func(s runrecord.TargetSample) (float64, bool) { return f(s.CPUPercent) }),
		target("rss_bytes.max", "target RSS (max)", UnitBytes, true,
			func(t *runrecord.TargetSummary) float64 { return t.RSSBytes.Max },
			func(s runrecord.TargetSample) (float64, bool) { return f(s.RSSBytes) }),
		target("gc_pause.p99", "target GC pause p99", UnitDuration, true,
			func(t *runrecord.TargetSummary) float64 { return float64(t.GCPause.P99) },
			func(s runrecord.TargetSample) (float64, bool) {
				// Only intervals that had a GC: the others say nothing
				// about how long pauses are.
				if s.GCPauseMax == nil || *s.GCPauseMax <= 0 {
					return 0, false
				}
				return float64(*s.GCPauseMax), true
			}),
		target("goroutines.max", "target goroutines (max)", UnitCount, true,
			func(t *runrecord.TargetSummary) float64 { return t.Goroutines.Max },
			func(s runrecord.TargetSample) (float64, bool) { return f(s.Goroutines) }),
	}
}

// perInterval applies fn to every latency interval (with its length in
// seconds), keeping the values fn accepts.
func perInterval(fn func(p Point, secs float64) (float64, bool)) func(*Report, []runrecord.TargetSample) []float64 {
	return func(r *Report, _ []runrecord.TargetSample) []float64 {
		var out []float64
		for _, p := range r.Intervals {
			secs := float64(p.EndMs-p.StartMs) / 1000
			if secs <= 0 {
				continue
			}
			if v, ok := fn(p, secs); ok {
				out = append(out, v)
			}
		}
		return out
	}
}

// trimEdges drops the first and last value when enough remain.
func trimEdges(fn func(*Report, []runrecord.TargetSample) []float64) func(*Report, []runrecord.TargetSample) []float64 {
	return func(r *Report, tl []runrecord.TargetSample) []float64 {
		v := fn(r, tl)
		if len(v) >= minSpread+2 {
			v = v[1 : len(v)-1]
		}
		return v
	}
}
