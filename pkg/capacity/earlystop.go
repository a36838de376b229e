package capacity

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/slo"
)

// stopper watches a step's intervals and cancels the step once it is
// clearly failing, so an overloaded target is not hammered for the whole
// step. Two rules, both of which mean the step's verdict is already known:
//
//   - latency: for a latency check KEY<LIMIT (a percentile from p50 up, or
//     max; intended-time or service), the interval's median is beyond
//     LIMIT for `need` consecutive intervals. More than half of those
//     requests then miss the bound, which no percentile at or above the
//     median survives; above capacity the median grows with time in the
//     step, so this fires soon after queueing starts. A p99 beyond the
//     bound alone would not do: one slow interval is noise, not a verdict.
//   - errors: for success>=X, more requests have failed than the whole
//     step may fail ((1-X) of the requests it will send), so success can
//     no longer reach X.
type stopper struct {
	need      int
	latency   []latencyBound
	errBudget float64 // -1: no success check
	successEx string
	// stall: intervals with no response at all while several are due
	// count; interval is their length.
	stall    bool
	interval time.Duration

	mu     sync.Mutex
	empty  int // consecutive intervals with no response
	streak int
	worst  time.Duration
	reason string
	cancel func()
}

type latencyBound struct {
	check   slo.Check
	service bool // bound on service latency, not intended-time latency
}

// intervalOf is what a check sees of an interval: the run's, or its
// group's when the check names one (ok false when the group had no
// result yet).
func intervalOf(st recording.IntervalStats, group string) (completed uint64, p50, serviceP50 time.Duration, ok bool) {
	if group == "" {
		return st.Completed, st.P50, st.ServiceP50, true
	}
	for _, g := range st.Groups {
		if g.Name == group {
			return g.Completed, g.P50, g.ServiceP50, true
		}
	}
	return 0, 0, 0, false
}

// atOrAboveMedian reports whether a median beyond a bound breaks it.
func atOrAboveMedian(key string) bool {
	switch key {
	case "p50", "p90", "p95", "p99", "p999", "p9999", "max":
		return true
	}
	return false
}

func newStopper(set *slo.Set, need, rate int, step, interval time.Duration, cancel func()) *stopper {
	s := &stopper{need: need, errBudget: -1, cancel: cancel, stall: float64(rate)*interval.Seconds() >= 5, interval: interval}
	for _, c := range set.Checks() {
		base, service := strings.CutPrefix(c.Key, "service_")
		switch {
		case c.Kind == slo.Latency && (c.Op == "<" || c.Op == "<=") && atOrAboveMedian(base):
			s.latency = append(s.latency, latencyBound{check: c, service: service})
		case c.Key == "success" && (c.Op == ">=" || c.Op == ">") && c.Group == "":
			// A group's share of the step's requests is not known in
			// advance, so its error budget is not either: a group's
			// success check is judged at the end of the step.
			budget := (1 - c.Limit) * float64(rate) * step.Seconds()
			if s.errBudget < 0 || budget < s.errBudget {
				s.errBudget, s.successEx = budget, c.Expr
			}
		}
	}
	return s
}

// observe is a runner.Plan.Progress callback.
func (s *stopper) observe(st recording.IntervalStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason != "" || s.need < 0 {
		return
	}
	if s.errBudget >= 0 && float64(st.ErrorsSoFar) > s.errBudget {
		s.stop(fmt.Sprintf("%d requests failed, more than %s allows in the whole step", st.ErrorsSoFar, s.successEx))
		return
	}
	if st.Completed == 0 && s.stall {
		s.empty++
	} else {
		s.empty = 0
	}
	// No response at all for longer than a bound while requests were due:
	// every request due when the silence began is already slower than
	// the bound (a stalled target). A shorter silence proves nothing
	// under a generous bound: a busy machine can go a few intervals
	// without a response.
	silent := time.Duration(s.empty) * s.interval
	var broken *latencyBound
	for i, b := range s.latency {
		completed, med, svc, ok := intervalOf(st, b.check.Group)
		if !ok {
			continue
		}
		if b.service {
			med = svc
		}
		// A stall is the run's silence (a group's share of an interval is
		// too small to call one).
		stalled := b.check.Group == "" && s.empty > 0 && float64(silent) > b.check.Limit
		if stalled || (completed > 0 && !b.check.Holds(float64(med))) {
			broken = &s.latency[i]
			if stalled {
				med = silent
			}
			s.worst = max(s.worst, med)
			break
		}
	}
	if broken == nil {
		s.streak, s.worst = 0, 0
		return
	}
	if s.streak++; s.streak >= s.need {
		s.stop(fmt.Sprintf("median latency beyond %s for %d intervals in a row (up to %s)",
			broken.check.Expr, s.streak, s.worst.Round(time.Millisecond)))
	}
}

func (s *stopper) stop(reason string) {
	s.reason = reason
	s.cancel()
}

// stopped returns why the step was stopped early ("" if it was not).
func (s *stopper) stopped() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}
