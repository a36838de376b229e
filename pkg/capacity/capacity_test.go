package capacity

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// knownServer serves demotarget.Work on 127.0.0.1: c slots of ms
// milliseconds each, a capacity of c*1000/ms requests/s.
func knownServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(demotarget.Work())
	t.Cleanup(srv.Close)
	return srv
}

func plan(t *testing.T, url, sloSpec, out string) runner.Plan {
	t.Helper()
	tgts, err := attack.TargetsFromURLs([]string{url}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, err := slo.Parse(sloSpec)
	if err != nil {
		t.Fatal(err)
	}
	o := attack.DefaultOptions()
	o.Timeout = 5 * time.Second
	return runner.Plan{Targets: tgts, Options: o, Out: out, SLO: set}
}

// TestSearchFindsKnownCapacity: against services of known capacity C/S the
// search lands within 10% of it, the verdict flips where queueing starts
// (every step well below passes, every step well above fails), and clearly
// overloaded steps stop early.
func TestSearchFindsKnownCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("capacity searches take about 20s each")
	}
	// The SLO bounds p90 at S+50ms: above capacity the queue, and with it
	// p90, grows by about (rate/capacity-1) * 1.8s over a 2s step, so it
	// breaks 3% over capacity; below capacity a constant rate never
	// queues, and it takes a tenth of the requests delayed 50ms by a
	// loaded machine (other tests running) to fail a step by accident.
	for _, tc := range []struct{ c, ms int }{{4, 20}, {16, 40}} {
		capacity := float64(tc.c) * 1000 / float64(tc.ms)
		t.Run(fmt.Sprintf("C=%d,S=%dms", tc.c, tc.ms), func(t *testing.T) {
			srv := knownServer(t)
			out := filepath.Join(t.TempDir(), "cap")
			url := fmt.Sprintf("%s/work?c=%d&ms=%d", srv.URL, tc.c, tc.ms)
			cfg := Config{
				Plan:         plan(t, url, fmt.Sprintf("p90<%dms,success>=99%%", tc.ms+50), out),
				MinRate:      int(capacity / 4),
				MaxRate:      int(capacity * 4),
				StepDuration: 2 * time.Second,
				Warmup:       300 * time.Millisecond,
				Cooldown:     100 * time.Millisecond,
			}
			bound, _ := cfg.MaxDuration()
			start := time.Now()
			run, err := Search(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			c := run.Summary.Capacity
			var table strings.Builder
			text.WriteCapacity(&table, c)
			t.Logf("took %s (bound %s)\n%s", took.Round(time.Millisecond), bound, table.String())
			if took > bound {
				t.Errorf("took %s, more than the bound %s printed up front", took, bound)
			}
			if got := c.SustainableRate; got < 0.9*capacity || got > 1.1*capacity {
				t.Errorf("sustainable rate %g/s, want within 10%% of %g/s", got, capacity)
			}
			if c.LowerBound || c.Knee <= c.SustainableRate {
				t.Errorf("lower bound %v, knee %g: want a bracketed result", c.LowerBound, c.Knee)
			}
			earlyStopped := false
			passed := map[float64]bool{} // a rate passes if any attempt does
			for _, s := range c.Steps {
				passed[s.Rate] = passed[s.Rate] || s.Pass
				if s.Rate > c.MaxRate {
					t.Errorf("step at %g/s exceeds the max rate %g/s", s.Rate, c.MaxRate)
				}
				if s.Rate >= capacity && s.EarlyStop != "" && s.Duration < cfg.StepDuration {
					earlyStopped = true
				}
				if _, err := runrecord.Read(filepath.Join(out, s.Dir)); err != nil {
					t.Errorf("step %s has no run record: %v", s.Dir, err)
				}
			}
			for rate, pass := range passed {
				switch {
				case rate <= 0.9*capacity && !pass:
					t.Errorf("%g/s (below capacity %g/s) failed", rate, capacity)
				case rate >= 1.1*capacity && pass:
					t.Errorf("%g/s (above capacity %g/s) passed", rate, capacity)
				}
			}
			if !earlyStopped {
				t.Error("no step above capacity stopped early")
			}
			rep, err := report.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Runs[0].Kind != "capacity" || rep.Summary.Capacity == nil {
				t.Errorf("capacity run record: kind %q, capacity %v", rep.Runs[0].Kind, rep.Summary.Capacity)
			}
		})
	}
}

// TestSearchStopsAtMaxRate: a service far above -max-rate is never
// attacked beyond it, and the result is a lower bound.
func TestSearchStopsAtMaxRate(t *testing.T) {
	srv := knownServer(t)
	out := filepath.Join(t.TempDir(), "cap")
	run, err := Search(context.Background(), Config{
		Plan:         plan(t, srv.URL+"/work?c=64&ms=1", "p99<200ms", out),
		MinRate:      50,
		MaxRate:      120,
		StepDuration: 500 * time.Millisecond,
		Warmup:       -1,
		Cooldown:     -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := run.Summary.Capacity
	var rates []float64
	for _, s := range c.Steps {
		rates = append(rates, s.Rate)
	}
	if fmt.Sprint(rates) != "[50 100 120]" {
		t.Errorf("step rates %v, want [50 100 120]", rates)
	}
	if c.SustainableRate != 120 || !c.LowerBound || c.Knee != 0 || !strings.Contains(c.StopReason, "max rate 120/s met the SLO") {
		t.Errorf("got %+v", c)
	}
	// The record's page plots the steps against the offered rate and links
	// each step's own report.
	// Rendering is the caller's (the CLI's) job; render as it does.
	if _, err := html.WriteRecord(out); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, runrecord.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="chart-capacity-latency"`, `id="chart-capacity-throughput"`, `"capacity":{"rate":[50,100,120]`, `href="steps/01/report.html"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("capacity report.html lacks %s", want)
		}
	}
}

// TestSearchInterrupted: cancelling the search (Ctrl-C) in the middle of a
// step keeps the steps measured so far, does not count the cut step either
// way, and reports the best passing rate as a lower bound.
func TestSearchInterrupted(t *testing.T) {
	srv := knownServer(t)
	out := filepath.Join(t.TempDir(), "cap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps atomic.Int32
	p := plan(t, srv.URL+"/work?c=64&ms=1", "p99<200ms", out)
	p.Progress = func(recording.IntervalStats) {
		if steps.Load() == 2 {
			cancel() // the first interval of step 3
		}
	}
	run, err := Search(ctx, Config{
		Plan:         p,
		MinRate:      20,
		MaxRate:      10000,
		StepDuration: time.Second,
		Warmup:       -1,
		Cooldown:     -1,
		OnStep:       func(runrecord.CapacityStep) { steps.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	c := run.Summary.Capacity
	if len(c.Steps) != 3 || !c.Steps[2].Interrupted || c.Steps[2].Pass || c.Steps[2].Duration >= time.Second {
		t.Fatalf("want two steps and a third cut short, got %+v", c.Steps)
	}
	if c.SustainableRate != 40 || !c.LowerBound || c.Knee != 0 || !run.Interrupted || !strings.HasPrefix(c.StopReason, "interrupted: 40/s") {
		t.Errorf("got interrupted=%v %+v", run.Interrupted, c)
	}
	back, err := runrecord.Read(out)
	if err != nil || back.Summary.Capacity == nil || len(back.Summary.Capacity.Steps) != 3 {
		t.Fatalf("record on disk: %v %+v", err, back)
	}
	if _, err := os.Stat(filepath.Join(out, "steps", "04")); err == nil {
		t.Error("a fourth step was started after the cancel")
	}
}

// TestVerdictFlipsAtQueueing: single steps on a service of capacity 200/s
// pass below it and fail above it, where latency from the intended send
// time grows with time in the step (the queue builds up).
func TestVerdictFlipsAtQueueing(t *testing.T) {
	srv := knownServer(t)
	url := srv.URL + "/work?c=4&ms=20"
	for _, tc := range []struct {
		rate int
		pass bool
	}{{160, true}, {250, false}} {
		out := filepath.Join(t.TempDir(), fmt.Sprint(tc.rate))
		p := plan(t, url, "p90<70ms", out)
		p.Schedule = attack.Constant{Freq: tc.rate, Per: time.Second}
		p.Options.Duration = 1500 * time.Millisecond
		p.Interval = 250 * time.Millisecond
		run, err := runner.Execute(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := report.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		var medians []time.Duration
		for _, iv := range rep.Intervals {
			medians = append(medians, iv.P50)
		}
		t.Logf("%d/s: p90 %s, interval medians %v", tc.rate, run.Summary.Latency.P90, medians)
		if run.Summary.SLO.Pass != tc.pass {
			t.Errorf("%d/s: SLO pass = %v, want %v", tc.rate, run.Summary.SLO.Pass, tc.pass)
		}
		if !tc.pass {
			// 25% over capacity: the queue, and the wait, grow by a quarter
			// of the elapsed time, about 250ms over the step.
			first, last := medians[0], medians[len(medians)-1]
			if last < first+100*time.Millisecond {
				t.Errorf("%d/s: median went from %s to %s; want it to grow with the queue", tc.rate, first, last)
			}
		}
	}
}

func TestConfigBounds(t *testing.T) {
	set, _ := slo.Parse("p99<10ms")
	c := Config{Plan: runner.Plan{SLO: set}, MinRate: 10, MaxRate: 5000}
	// 10,20,40,...,2560,5000 is 10 growth steps; ceil(log2(1/0.05)) = 5 halvings.
	if n := c.MaxSteps(); n != 30 {
		t.Errorf("MaxSteps = %d, want 30 (15, each perhaps retried once)", n)
	}
	c.Plan.Options.Timeout = 10 * time.Second
	bound, typical := c.MaxDuration()
	if typical != 30*14*time.Second || bound != 30*34*time.Second {
		t.Errorf("MaxDuration = %s, %s", bound, typical)
	}
	for _, bad := range []Config{
		{Plan: runner.Plan{SLO: set}, MinRate: 0, MaxRate: 10},
		{Plan: runner.Plan{SLO: set}, MinRate: 10, MaxRate: 5},
		{Plan: runner.Plan{}, MinRate: 10, MaxRate: 50},
		{Plan: runner.Plan{SLO: set}, MinRate: 10, MaxRate: 50, Precision: 2},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) passed", bad)
		}
	}
}

// With a collector, each step samples the target but waits for no "idle"
// baseline: it follows its warm-up at once, so the target is not idle.
func TestStepsTakeNoBaseline(t *testing.T) {
	srv := knownServer(t)
	out := filepath.Join(t.TempDir(), "cap")
	p := plan(t, srv.URL+"/work?c=64&ms=1", "p99<200ms", out)
	p.Collect = &collect.Config{PID: os.Getpid(), Interval: 100 * time.Millisecond, Baseline: time.Second}
	run, err := Search(context.Background(), Config{
		Plan: p, MinRate: 50, MaxRate: 50,
		StepDuration: 500 * time.Millisecond, Warmup: -1, Cooldown: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	step := run.Summary.Capacity.Steps[0]
	if step.TargetCPU == nil {
		t.Fatal("the collector ran, but the step has no target CPU")
	}
	rows, err := runrecord.ReadTargetSamples(filepath.Join(out, step.Dir))
	if err != nil || len(rows) == 0 {
		t.Fatalf("step timeline: %d rows, %v", len(rows), err)
	}
	// The collector still reads the target once as the attack begins (the
	// reference for its counters); it must not wait the configured 1 s.
	var first, last int64
	for _, r := range rows {
		if r.Baseline {
			if first == 0 {
				first = r.TimeMs
			}
			last = r.TimeMs
		}
	}
	if span := last - first; span > 300 {
		t.Errorf("step %s sampled an idle baseline for %d ms after its warm-up", step.Dir, span)
	}
}
