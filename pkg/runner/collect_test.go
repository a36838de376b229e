package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func attackPlan(t *testing.T, url string, col *collect.Config) Plan {
	t.Helper()
	tgts, err := attack.TargetsFromURLs([]string{url}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := attack.ParseRate("100")
	if err != nil {
		t.Fatal(err)
	}
	o := attack.DefaultOptions()
	o.Duration = time.Second
	o.Timeout = 5 * time.Second
	return Plan{Targets: tgts, Schedule: sched, Options: o, Out: t.TempDir(), Collect: col,
		Args: []string{"attack", "-collect-header", "X-Token: s3cret"}}
}

// Collector endpoints that are down, hang, or pour out an endless body
// leave the attack's figures as they are without a collector, and say so.
func TestFailingCollectorLeavesAttackAlone(t *testing.T) {
	t.Parallel()
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/vars"): // hangs
			<-r.Context().Done()
		default: // endless
			b := []byte(strings.Repeat("x", 1<<16))
			for r.Context().Err() == nil {
				if _, err := w.Write(b); err != nil {
					return
				}
			}
		}
	}))
	defer bad.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	// The run without a collector goes side by side with the one with
	// failing collectors: the comparison is of counts, not times.
	plainDone := make(chan *runrecord.Run, 1)
	plainPlan := attackPlan(t, srv.URL+"/hello", nil)
	go func() {
		r, err := Execute(context.Background(), plainPlan)
		if err != nil {
			t.Error(err)
		}
		plainDone <- r
	}()
	col := &collect.Config{
		MetricsURL: down.URL + "/metrics",
		ExpvarURL:  bad.URL + "/debug/vars",
		PprofURL:   bad.URL + "/debug/pprof",
		Timeout:    500 * time.Millisecond,
		// Small enough that a busy machine reads past it well within the
		// timeout: the endless body must end as "too large", not as slow.
		MaxBytes: 64 << 10,
		Baseline: -1,
		Header:   http.Header{"X-Token": {"s3cret"}},
	}
	p := attackPlan(t, srv.URL+"/hello", col)
	t0 := time.Now()
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(t0); took > 20*time.Second {
		t.Errorf("attack with failing collectors took %s", took)
	}
	plain := <-plainDone
	if plain == nil {
		t.FailNow()
	}
	// Every slot accounted for and every request answered. (How many slots
	// a busy machine misses at the end of the run is load, not the
	// collector: not asserted.)
	for i, r := range []*runrecord.Run{plain, run} {
		s := r.Summary
		if s.Requests+s.Missed != 100 || s.SuccessRatio != 1 || s.Requests == 0 || s.StatusCodes["200"] != s.Requests {
			t.Errorf("attack %d (0: no collector, 1: failing collectors): requests %d success %v missed %d codes %v",
				i, s.Requests, s.SuccessRatio, s.Missed, s.StatusCodes)
		}
	}
	tgt := run.Summary.Target
	if tgt == nil {
		t.Fatal("no target summary")
	}
	all := strings.Join(tgt.Warnings, "\n")
	for _, want := range []string{"metrics " + down.URL + "/metrics: all", "expvar " + bad.URL + "/debug/vars: all", "no answer within 500ms", "more than 64 KiB"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", tgt.Warnings, want)
		}
	}
	b, err := os.ReadFile(filepath.Join(p.Out, runrecord.MetaFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret") {
		t.Errorf("run.json holds the collector header's value:\n%s", b)
	}
	if !strings.Contains(string(b), `"collect"`) || !strings.Contains(string(b), "more than 64 KiB") {
		t.Errorf("run.json lacks the collector config or its warnings:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(p.Out, runrecord.TargetFile)); err != nil {
		t.Error(err)
	}
}

// Ctrl-C (a cancelled context) mid-attack still writes what was collected.
func TestInterruptedRunKeepsCollection(t *testing.T) {
	t.Parallel()
	srv, err := demotarget.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	col := &collect.Config{MetricsURL: srv.AdminURL + "/metrics", Interval: 200 * time.Millisecond, Baseline: 400 * time.Millisecond}
	p := attackPlan(t, srv.URL+"/hello", col)
	p.Options.Duration = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	run, err := Execute(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Interrupted || run.Summary.Target == nil || run.Summary.Target.RSSBytes.Max <= 0 {
		t.Fatalf("interrupted %v target %+v", run.Interrupted, run.Summary.Target)
	}
	// The readings at the start, the attack's start and its end are always
	// taken; how many clock ticks a busy source manages between is load.
	rows, err := runrecord.ReadTargetSamples(p.Out)
	if err != nil || len(rows) < 3 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}
