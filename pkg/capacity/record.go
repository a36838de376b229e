package capacity

import (
	"fmt"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// record builds the capacity run's run.json. Its summary is that of the
// step at the sustainable rate (or, when no step passed, of the lowest
// step), so a report of the capacity run shows the service at its limit;
// summary.capacity holds the search and every step.
// interrupted marks a search that did not finish (Ctrl-C, or a record
// written while it is still in progress).
func (s *search) record(reason string, interrupted bool) *runrecord.Run {
	c := s.cfg
	best := 0
	for i, st := range s.steps {
		switch {
		case st.Pass && int(st.Rate) == s.pass:
			best = i
		case s.pass == 0 && st.Rate < s.steps[best].Rate:
			best = i
		}
	}
	sum := s.runs[best].Summary
	capy := &runrecord.Capacity{
		SustainableRate: float64(s.pass),
		LowerBound:      s.pass > 0 && (interrupted || s.fail == 0),
		Knee:            float64(s.fail),
		StopReason:      reason,
		SLO:             c.Plan.SLO.String(),
		Group:           sloGroup(c.Plan.SLO),
		MinRate:         float64(c.MinRate),
		MaxRate:         float64(c.MaxRate),
		Precision:       c.Precision,
		SummaryStep:     s.steps[best].Dir,
		Steps:           append([]runrecord.CapacityStep(nil), s.steps...),
	}
	for _, ch := range c.Plan.SLO.Checks() {
		if ch.Kind == slo.Latency && (ch.Op == "<" || ch.Op == "<=") && !strings.Contains(ch.Key, "_") {
			capy.LatencyLimits = append(capy.LatencyLimits, runrecord.LatencyLimit{Expr: ch.Expr, Key: ch.Key, Limit: time.Duration(ch.Limit)})
		}
	}
	sum.Capacity = capy
	base := c.Plan
	base.Schedule = stepSchedule(c.MinRate) // PlanRecord needs one; replaced below
	plan := runner.PlanRecord(base)
	plan.Schedule = fmt.Sprintf("capacity search %d..%d/s (x%g, then bisect to %g%%)", c.MinRate, c.MaxRate, c.Growth, c.Precision*100)
	plan.Duration = c.StepDuration
	last := s.runs[len(s.runs)-1]
	end := last.End
	if end.Before(s.begin) {
		end = time.Now().UTC()
	}
	return &runrecord.Run{
		RunID:       s.runID,
		Kind:        runrecord.KindCapacity,
		Name:        c.Plan.Name,
		Labels:      c.Plan.Labels,
		Tool:        runner.Versions(),
		Host:        runner.ThisHost(),
		Plan:        plan,
		Start:       s.begin.UTC(),
		End:         end,
		Interrupted: interrupted,
		Interval:    int64(c.Plan.Interval),
		Summary:     sum,
	}
}
