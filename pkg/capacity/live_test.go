package capacity

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// One short search end to end against a real target on 127.0.0.1 (8 slots
// of 20 ms: a capacity of 400/s), with warm-ups on the shared pool, the
// collector, real runs and early stops. Where it lands depends on how busy
// the machine is, so it asserts only what load cannot change: the search
// ends, grows before it bisects, never passes 600/s (1.5 times
// the capacity: latency from the intended send time grows by half a second
// every second there, so p90 of a 300ms step is at least 155ms however
// fast the box), and leaves a complete record. The search
// logic itself is tested against models in capacity_test.go.
func TestSearchAgainstLoopbackTarget(t *testing.T) {
	srv := httptest.NewServer(demotarget.Work())
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "cap")
	p := plan(t, srv.URL+"/work?c=8&ms=20", "p90<100ms", out)
	p.Collect = &collect.Config{PID: os.Getpid(), Interval: 100 * time.Millisecond}
	cfg := Config{
		Plan:    p,
		MinRate: 100, MaxRate: 600, Growth: 6, Precision: 0.5, Retries: -1,
		StepDuration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond, Cooldown: 10 * time.Millisecond,
	}
	run, err := Search(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := run.Summary.Capacity
	t.Logf("found %g/s (knee %g/s): %s", c.SustainableRate, c.Knee, c.StopReason)
	if len(c.Steps) == 0 || len(c.Steps) > cfg.MaxSteps() {
		t.Fatalf("%d steps", len(c.Steps))
	}
	grow := true
	for i, s := range c.Steps {
		t.Logf("%s: %s, p50 %s, %d requests in %s %s", s.Dir, stepLine(s), s.P50, s.Requests, s.Duration, s.EarlyStop)
		switch {
		case s.Phase == "grow" && (!grow || i > 0 && s.Rate <= c.Steps[i-1].Rate):
			t.Errorf("grow step %s at %g/s out of order", s.Dir, s.Rate)
		case s.Phase == "bisect":
			grow = false
		}
		if s.Rate >= 600 && s.Pass {
			t.Errorf("%g/s, 1.5 times the capacity, passed", s.Rate)
		}
		if s.Requests == 0 || s.TargetCPU == nil {
			t.Errorf("step %s: %d requests, target cpu %v", s.Dir, s.Requests, s.TargetCPU)
		}
		// Each step is a complete run record of its own.
		for _, f := range []string{runrecord.MetaFile, runrecord.LatencyLog, runrecord.IntervalsFile, runrecord.TargetFile} {
			if _, err := os.Stat(filepath.Join(out, s.Dir, f)); err != nil {
				t.Errorf("step %s: %v", s.Dir, err)
			}
		}
	}
	if c.SustainableRate >= 600 || c.LowerBound {
		t.Errorf("found %g/s (lower bound %v) on a target of capacity 400/s", c.SustainableRate, c.LowerBound)
	}
	rep, err := report.Load(out)
	if err != nil || rep.Runs[0].Kind != "capacity" || rep.Summary.Capacity == nil {
		t.Fatalf("capacity record: %v", err)
	}
}
