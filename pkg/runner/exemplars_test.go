package runner

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The loop from a slow request to its trace: the demo target stalls a few
// chosen requests (every 25th to /stall, 0.8 s each) and records its
// server spans. Every stalled request's trace id is among the exemplars of
// the interval its response ended in, its latencies cover the stall, and
// the span starts between its send and its end.
func TestStalledRequestsAreExemplarsWithTheirTraces(t *testing.T) {
	t.Parallel()
	spansPath := filepath.Join(t.TempDir(), "spans.jsonl")
	srv, err := demotarget.StartConfig(demotarget.Config{Addr: "127.0.0.1:0", Spans: spansPath})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// Long beside anything a busy box adds to the other requests, which would
	// otherwise push the stalled ones out of their interval's five slowest.
	const stall = 800 * time.Millisecond
	// 100 slots: at least one stalled even should a starved box (-race,
	// busy loops) miss most of them.
	p := plan(t, srv.URL+"/stall?every=25&ms=800", "50", 2*time.Second, func(o *attack.Options) {
		o.Trace = true
		o.Timeout = 10 * time.Second
	})
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil { // writes the last spans
		t.Fatal(err)
	}
	if pt := run.Plan.Trace; pt == nil || pt.Header != "traceparent" || pt.Sample != 1 {
		t.Errorf("plan records trace %+v", run.Plan.Trace)
	}
	spans, err := demotarget.ReadSpans(spansPath)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(spans)) != run.Summary.Requests {
		t.Fatalf("%d server spans for %d requests", len(spans), run.Summary.Requests)
	}
	exemplars, err := runrecord.ReadExemplars(p.Out)
	if err != nil {
		t.Fatal(err)
	}
	byTrace := map[string]runrecord.Exemplar{}
	for _, e := range exemplars {
		byTrace[e.TraceID] = e
	}
	traced := map[string]bool{}
	stalled := 0
	for _, s := range spans {
		traced[s.TraceID] = true
		if !s.Stalled {
			continue
		}
		stalled++
		e, ok := byTrace[s.TraceID]
		if !ok {
			t.Errorf("stalled request (trace %s, server span %s) is not among the exemplars", s.TraceID, s.Duration())
			continue
		}
		if s.Duration() < stall {
			t.Errorf("trace %s: server span %s, shorter than the stall", s.TraceID, s.Duration())
		}
		// What no load can reorder: the response leaves after the stall,
		// so the request's service latency covers it; and the server span
		// starts after the request was sent and before its response came
		// back. (Not that the span ends before the response arrives: the
		// server stamps the end after writing, and a busy box may run the
		// client first.) Wall clock of one host on both sides; 2 ms for
		// the monotonic clock the client measures with.
		const slack = 2 * time.Millisecond
		if e.ServiceLatency < stall-slack || e.Latency < e.ServiceLatency {
			t.Errorf("trace %s: latency %s, service %s, for a stall of %s", s.TraceID, e.Latency, e.ServiceLatency, stall)
		}
		sent := e.Intended.Add(e.DispatchLag)
		if s.Start.Before(sent.Add(-slack)) || s.Start.After(e.End().Add(slack)) {
			t.Errorf("trace %s: server span starts at %s, outside the request [%s, %s]", s.TraceID, s.Start, sent, e.End())
		}
		if iv := e.End().Truncate(time.Second).UnixMilli(); e.IntervalMs != iv {
			t.Errorf("trace %s: exemplar of interval %d, its response ended in %d", s.TraceID, e.IntervalMs, iv)
		}
	}
	if want := int(run.Summary.Requests / 25); stalled != want || stalled < 1 {
		t.Errorf("%d stalled requests, want %d (every 25th of %d)", stalled, want, run.Summary.Requests)
	}
	for _, e := range exemplars {
		if !traced[e.TraceID] {
			t.Errorf("exemplar trace id %q never reached the target", e.TraceID)
		}
	}
	if top := run.Summary.Exemplars; len(top) == 0 || top[0].Latency < stall {
		t.Errorf("the run's slowest request is not a stalled one: %+v", top)
	}
}
