package main

import (
	"testing"
	"time"
)

// TestStallDrainedModel: with a capacity far above the rate the queueing
// model is the analytic distribution (the backlog drains at once), and
// with a finite one every quantile is later, by about what draining a
// stall's backlog at that capacity takes.
func TestStallDrainedModel(t *testing.T) {
	qs := []float64{.75, .9, .99}
	fast := stallDrained(1e9, qs)
	for i, q := range qs {
		want := stallQuantile(q)
		if d := fast[i] - want; d < -5*time.Millisecond || d > 5*time.Millisecond {
			t.Errorf("q%.2f at unbounded capacity: %s, want the analytic %s", q, fast[i], want)
		}
	}
	// At 25,000/s the p75 request (due 1 s into a stall, 5,000 due ahead
	// of it in that stall) completes 0.2 s after the stall ends: 1.2 s.
	slow := stallDrained(25000, qs)
	if d := slow[0] - 1200*time.Millisecond; d < -10*time.Millisecond || d > 10*time.Millisecond {
		t.Errorf("p75 at 25,000/s: %s, want about 1.2s", slow[0])
	}
	for i := range qs {
		if slow[i] < fast[i] {
			t.Errorf("q%.2f: %s at 25,000/s is below %s at unbounded capacity", qs[i], slow[i], fast[i])
		}
	}
}
