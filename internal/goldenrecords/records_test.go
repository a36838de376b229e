package goldenrecords

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/capacity"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

var (
	update = flag.Bool("update", false, "attack the loopback demo target and rewrite testdata/records")
	only   = flag.String("only", "", "with -update, remake only these records (comma-separated names), leaving the others and their readers' golden outputs alone")
)

// TestRecords checks that every golden record reads completely (run.json,
// intervals, latency log, timeline); with -update it first makes them anew.
func TestRecords(t *testing.T) {
	if *update {
		makeRecords(t)
	}
	for _, name := range Names {
		t.Run(name, func(t *testing.T) { checkRecord(t, Dir(name)) })
	}
	steps, err := filepath.Glob(filepath.Join(Dir("capacity"), "steps", "*"))
	if err != nil || len(steps) < 2 {
		t.Fatalf("capacity steps: %v %v", steps, err)
	}
	for _, d := range steps {
		checkRecord(t, d)
	}
}

func checkRecord(t *testing.T, dir string) {
	t.Helper()
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Kind == "capacity" {
		if run.Summary.Capacity == nil || len(run.Summary.Capacity.Steps) == 0 {
			t.Errorf("%s: capacity record without steps", dir)
		}
		return
	}
	rows, err := runrecord.ReadIntervals(dir)
	if err != nil || len(rows) == 0 {
		t.Fatalf("%s: %d intervals, %v", dir, len(rows), err)
	}
	f, err := os.Open(filepath.Join(dir, runrecord.LatencyLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := runrecord.NewHlogReader(f, runrecord.LatencyLog)
	var n int64
	for {
		_, _, s, err := lr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n += s.Latency.TotalCount()
	}
	if n != int64(run.Summary.Requests) {
		t.Errorf("%s: latency log holds %d requests, run.json %d", dir, n, run.Summary.Requests)
	}
	if run.Plan.Collect != nil {
		if s, err := runrecord.ReadTargetSamples(dir); err != nil || len(s) == 0 {
			t.Errorf("%s: timeline: %d rows, %v", dir, len(s), err)
		}
	}
}

// makeRecords attacks an in-process demo target on 127.0.0.1 (small rates,
// a second or two each) and writes every record under testdata/records.
func makeRecords(t *testing.T) {
	remake := map[string]bool{}
	for _, name := range Names {
		remake[name] = *only == ""
	}
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			if _, ok := remake[name]; !ok {
				t.Fatalf("-only %s: no such record (have %s)", name, strings.Join(Names, ", "))
			}
			remake[name] = true
		}
	}
	for name, ok := range remake {
		if ok {
			if err := os.RemoveAll(Dir(name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv, err := demotarget.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	plan := func(name, path, rate string, d time.Duration) runner.Plan {
		tgts, err := attack.TargetsFromURLs([]string{srv.URL + path}, "GET", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := attack.ParseRate(rate)
		if err != nil {
			t.Fatal(err)
		}
		o := attack.DefaultOptions()
		o.Duration = d
		o.Timeout = 5 * time.Second
		return runner.Plan{Name: name, Targets: tgts, Schedule: sched, Options: o, Interval: 250 * time.Millisecond,
			Out: Dir(name), Args: []string{"attack", "-rate", rate, "-duration", d.String(), "-url", "http://127.0.0.1:8080" + path}}
	}
	execute := func(p runner.Plan) {
		if !remake[p.Name] {
			return
		}
		if _, err := runner.Execute(context.Background(), p); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
	}

	execute(plan("single", "/hello", "40", time.Second))

	var wg sync.WaitGroup
	for i := range 2 {
		p := plan(fmt.Sprintf("shard-%d", i), "/hello", "20", time.Second)
		p.Shard = &runrecord.Shard{Index: i, Count: 2}
		wg.Go(func() { execute(p) })
	}
	wg.Wait()

	set, err := slo.Parse("p90<70ms")
	if err != nil {
		t.Fatal(err)
	}
	cp := plan("capacity", "/work?c=4&ms=20", "50", time.Second)
	cp.SLO = set
	cp.Args = []string{"capacity", "-url", "http://127.0.0.1:8080/work?c=4&ms=20", "-slo", "p90<70ms", "-min-rate", "50", "-max-rate", "400"}
	if remake["capacity"] {
		if _, err := capacity.Search(context.Background(), capacity.Config{
			Plan: cp, MinRate: 50, MaxRate: 400, Growth: 4, Precision: 0.5, Retries: -1,
			StepDuration: 500 * time.Millisecond, Warmup: 100 * time.Millisecond, Cooldown: 50 * time.Millisecond,
		}); err != nil {
			t.Fatalf("capacity: %v", err)
		}
	}

	for _, c := range []struct{ name, n string }{{"collect-base", "12"}, {"collect-new", "30"}} {
		p := plan(c.name, "/fib?n="+c.n, "30", 2*time.Second)
		p.Collect = &collect.Config{
			PprofURL:   srv.AdminURL + "/debug/pprof",
			MetricsURL: srv.AdminURL + "/metrics",
			ExpvarURL:  srv.AdminURL + "/debug/vars",
			Interval:   250 * time.Millisecond,
			Baseline:   500 * time.Millisecond,
		}
		execute(p)
	}

	// Traced: every tenth request to /stall waits 40 ms, the demo target
	// records its server spans, and the plan links traces to a Tempo; the
	// target's metrics give the report its target charts.
	tp := plan("traced", "/stall?every=10&ms=40", "40", 2*time.Second)
	tp.Options.Trace = true
	tp.Options.Timeout = 10 * time.Second
	tp.Interval = 500 * time.Millisecond
	tp.TraceLink = "https://tempo.example/trace/{trace_id}"
	tp.Collect = &collect.Config{MetricsURL: srv.AdminURL + "/metrics", Interval: 250 * time.Millisecond}
	execute(tp)

	// The records name the demo target's real ports; the golden outputs
	// of their readers must not change with them.
	err = filepath.WalkDir(Root(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) != runrecord.MetaFile {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := strings.NewReplacer(srv.URL, "http://127.0.0.1:8080", srv.AdminURL, "http://127.0.0.1:6060").Replace(string(b))
		return os.WriteFile(path, []byte(s), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
