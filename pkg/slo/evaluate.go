package slo

import (
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Evaluate checks every SLO against a summary. It returns nil for a nil
// Set, so callers can pass an optional SLO straight through. A check whose
// figure the run does not have (target_cpu without a collector) fails with
// a note saying why: an SLO that cannot be verified must not pass.
func (s *Set) Evaluate(sum runrecord.Summary) *runrecord.SLOResult {
	if s == nil {
		return nil
	}
	table := keys()
	res := &runrecord.SLOResult{Pass: true, Checks: make([]runrecord.SLOCheck, 0, len(s.checks))}
	for _, c := range s.checks {
		k := table[c.Key]
		out := runrecord.SLOCheck{Expr: c.Expr, Unit: DisplayUnit(c.Kind)}
		v, ok := k.get(sum)
		if ok {
			out.Value = Display(c.Kind, v)
			out.Pass = c.Holds(v)
		} else {
			out.Note = k.missing
		}
		res.Pass = res.Pass && out.Pass
		res.Checks = append(res.Checks, out)
	}
	return res
}

// DisplayUnit is the unit SLOCheck.Value is written in for a kind.
func DisplayUnit(k Kind) string {
	switch k {
	case Latency:
		return "ms"
	case Ratio, Percent:
		return "%"
	case PerSec:
		return "/s"
	case Bytes:
		return "B"
	}
	return ""
}

// Display converts a native value to DisplayUnit: latencies in
// milliseconds and ratios in percent read better than nanoseconds and
// fractions, and match how the checks are usually written.
func Display(k Kind, v float64) float64 {
	switch k {
	case Latency:
		return v / float64(time.Millisecond)
	case Ratio:
		return v * 100
	}
	return v
}
