package report

import (
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

func TestDiverged(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, c := range []struct {
		name          string
		lat, svc, lag time.Duration
		missed        uint64
		want          bool
	}{
		// A stalled target: slots waited for a worker, and the lag shows it.
		{"stall", ms(180), ms(12), ms(150), 0, true},
		{"missed slots", ms(40), ms(10), ms(0.2), 3, true},
		// The demo: latency p99 on a /stall request, service p99 just
		// below them, no request more than 0.22 ms late.
		{"p99 on a cliff", ms(7.95), ms(4.44), ms(0.219), 0, false},
		{"close", ms(5), ms(4.5), ms(3), 0, false},
		{"under 1 ms apart", ms(2.4), ms(1.5), ms(0.9), 0, false},
	} {
		var s runrecord.Summary
		s.Latency.P99, s.ServiceLatency.P99, s.DispatchLag.P99, s.Missed = c.lat, c.svc, c.lag, c.missed
		if got := Diverged(s); got != c.want {
			t.Errorf("%s: Diverged = %v, want %v", c.name, got, c.want)
		}
	}
}
