package slo

import (
	"fmt"
	"strconv"
	"strings"
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
		sub, why := part(sum, c)
		v, ok := 0.0, false
		if why == "" {
			v, ok = k.get(sub)
			why = k.missing
		}
		if ok {
			out.Value = Display(c.Kind, v)
			out.Pass = c.Holds(v)
		} else {
			out.Note = why
		}
		res.Pass = res.Pass && out.Pass
		res.Checks = append(res.Checks, out)
	}
	return res
}

// part is the summary a check is about: the run's, or its group's or
// scenario's; why says why there is none.
func part(sum runrecord.Summary, c Check) (sub runrecord.Summary, why string) {
	switch {
	case c.Group != "":
		var names []string
		for _, g := range sum.Groups {
			if g.Name == c.Group {
				return g.Summary, ""
			}
			names = append(names, strconv.Quote(g.Name))
		}
		if len(names) == 0 {
			return sub, fmt.Sprintf("no group %q: this run record has no endpoint groups", c.Group)
		}
		return sub, fmt.Sprintf("no group %q in this run (groups: %s)", c.Group, strings.Join(names, ", "))
	case c.Scenario != "":
		var names []string
		for _, s := range sum.Scenarios {
			if s.Name == c.Scenario {
				return s.Summary, ""
			}
			names = append(names, strconv.Quote(s.Name))
		}
		if len(names) == 0 {
			return sub, fmt.Sprintf("no scenario %q: this run has no scenarios", c.Scenario)
		}
		return sub, fmt.Sprintf("no scenario %q in this run (scenarios: %s)", c.Scenario, strings.Join(names, ", "))
	}
	return sum, ""
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
