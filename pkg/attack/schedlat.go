package attack

import (
	"runtime/metrics"
	"time"
)

// schedLatency reads the Go scheduler's own histogram of how long runnable
// goroutines waited for a CPU (/sched/latencies:seconds) and gives a
// quantile of the waits since the previous call. When the generator is
// short of CPU (a busy box, too many goroutines) its goroutines queue, and
// this is where it shows first, before any timer is late.
type schedLatency struct {
	sample []metrics.Sample
	prev   []uint64
}

func newSchedLatency() *schedLatency {
	return &schedLatency{sample: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
}

// quantile returns the q-quantile (0..1) of the scheduling latencies seen
// since the last call (0 if none, or if the runtime lacks the metric).
func (s *schedLatency) quantile(q float64) time.Duration {
	metrics.Read(s.sample)
	if s.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := s.sample[0].Value.Float64Histogram()
	if len(s.prev) != len(h.Counts) {
		s.prev = make([]uint64, len(h.Counts))
	}
	var total uint64
	for i, c := range h.Counts {
		total += c - s.prev[i]
	}
	var out time.Duration
	if total > 0 {
		want := uint64(q * float64(total))
		var seen uint64
		for i, c := range h.Counts {
			seen += c - s.prev[i]
			if seen > want {
				// Buckets[i+1] is the bucket's upper bound (seconds; may be +Inf).
				ub := h.Buckets[i+1]
				if ub > 3600 {
					ub = h.Buckets[i]
				}
				out = time.Duration(ub * float64(time.Second))
				break
			}
		}
	}
	copy(s.prev, h.Counts)
	return out
}
