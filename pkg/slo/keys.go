package slo

import (
	"sort"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Kind is what a key measures, which decides the units its value takes.
type Kind int

// Kinds of keys.
const (
	Latency Kind = iota // nanoseconds; written as a duration (50ms)
	Ratio               // 0..1; written as a percentage (99.9%) or a ratio (0.999)
	PerSec              // per second; written as 1000 or 1000/s
	Count               // a plain count; written as 0
	Percent             // percent, 100 = one core; written as 80% or 80
	Bytes               // bytes; written as 512MB, 1GiB or 1048576
)

// key reads one figure from a summary in the kind's native unit. ok is
// false when the summary does not have it (no collector data).
type key struct {
	kind Kind
	get  func(s runrecord.Summary) (v float64, ok bool)
	// missing says why the figure is absent when ok is false.
	missing string
	// scope says which selectors the key takes.
	scope scope
}

// scope is what a key can be checked on besides the whole run.
type scope int

const (
	anyScope scope = iota // the run, a group or a scenario
	runOnly               // the run only (the target's figures)
	notGroup              // the run or a scenario (missed slots belong to a schedule)
)

func ns(d time.Duration) (float64, bool) { return float64(d), true }

// latencyKeys maps a percentile name to its field in a Latency summary.
var latencyFields = map[string]func(l runrecord.Latency) time.Duration{
	"min":   func(l runrecord.Latency) time.Duration { return l.Min },
	"mean":  func(l runrecord.Latency) time.Duration { return l.Mean },
	"p50":   func(l runrecord.Latency) time.Duration { return l.P50 },
	"p90":   func(l runrecord.Latency) time.Duration { return l.P90 },
	"p95":   func(l runrecord.Latency) time.Duration { return l.P95 },
	"p99":   func(l runrecord.Latency) time.Duration { return l.P99 },
	"p999":  func(l runrecord.Latency) time.Duration { return l.P999 },
	"p9999": func(l runrecord.Latency) time.Duration { return l.P9999 },
	"max":   func(l runrecord.Latency) time.Duration { return l.Max },
}

const noCollector = "no target data in this run: target_* checks need the target's CPU and RSS collected during the attack"

// keys builds the table of every key. It is a function, not a package
// variable, so that nothing at package level is mutable.
func keys() map[string]key {
	m := map[string]key{}
	for name, f := range latencyFields {
		m[name] = key{kind: Latency, get: func(s runrecord.Summary) (float64, bool) { return ns(f(s.Latency)) }}
		m["service_"+name] = key{kind: Latency, get: func(s runrecord.Summary) (float64, bool) { return ns(f(s.ServiceLatency)) }}
	}
	lag := map[string]func(l runrecord.Lag) time.Duration{
		"p50": func(l runrecord.Lag) time.Duration { return l.P50 },
		"p99": func(l runrecord.Lag) time.Duration { return l.P99 },
		"max": func(l runrecord.Lag) time.Duration { return l.Max },
	}
	for name, f := range lag {
		k := key{kind: Latency, get: func(s runrecord.Summary) (float64, bool) { return ns(f(s.DispatchLag)) }}
		m["dispatch_lag_"+name] = k
		m["lag_"+name] = k
	}
	m["success"] = key{kind: Ratio, get: func(s runrecord.Summary) (float64, bool) { return s.SuccessRatio, true }}
	m["throughput"] = key{kind: PerSec, get: func(s runrecord.Summary) (float64, bool) { return s.Throughput, true }}
	m["rate"] = key{kind: PerSec, get: func(s runrecord.Summary) (float64, bool) { return s.Rate, true }}
	m["missed"] = key{kind: Count, scope: notGroup, get: func(s runrecord.Summary) (float64, bool) { return float64(s.Missed), true }}
	m["requests"] = key{kind: Count, get: func(s runrecord.Summary) (float64, bool) { return float64(s.Requests), true }}
	target := func(kind Kind, f func(t *runrecord.TargetSummary) float64) key {
		return key{kind: kind, missing: noCollector, scope: runOnly, get: func(s runrecord.Summary) (float64, bool) {
			if s.Target == nil {
				return 0, false
			}
			return f(s.Target), true
		}}
	}
	m["target_cpu"] = target(Percent, func(t *runrecord.TargetSummary) float64 { return t.CPUPercent.Mean })
	m["target_cpu_max"] = target(Percent, func(t *runrecord.TargetSummary) float64 { return t.CPUPercent.Max })
	m["target_rss"] = target(Bytes, func(t *runrecord.TargetSummary) float64 { return t.RSSBytes.Mean })
	m["target_rss_max"] = target(Bytes, func(t *runrecord.TargetSummary) float64 { return t.RSSBytes.Max })
	return m
}

// Keys lists every key an SLO check may use, sorted.
func Keys() []string {
	var out []string
	for k := range keys() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
