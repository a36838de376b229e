package capacity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

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

// modelPlan is a plan for searches against a fakeTarget: its URL is never
// contacted.
func modelPlan(t *testing.T, sloSpec string) runner.Plan {
	return plan(t, "http://127.0.0.1:9/modelled", sloSpec, filepath.Join(t.TempDir(), "cap"))
}

// searchModel runs a search against f and checks what every search must
// leave behind, whatever it found: a capacity record on disk equal to the
// one returned, every step's run record, no more steps than MaxSteps, and
// none above MaxRate.
func searchModel(t *testing.T, ctx context.Context, cfg Config, f *fakeTarget) *runrecord.Capacity {
	t.Helper()
	run, err := searchWith(ctx, cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	c := run.Summary.Capacity
	if run.Kind != "capacity" || c == nil {
		t.Fatalf("kind %q, capacity %v", run.Kind, c)
	}
	back, err := runrecord.Read(cfg.Plan.Out)
	if err != nil || !reflect.DeepEqual(back.Summary.Capacity, c) {
		t.Fatalf("record on disk differs from the one returned: %v\n%+v\n%+v", err, back, c)
	}
	if n := len(c.Steps); n > cfg.MaxSteps() {
		t.Errorf("%d steps, more than MaxSteps %d", n, cfg.MaxSteps())
	}
	for i, s := range c.Steps {
		if want := stepDir(i + 1); s.Dir != want {
			t.Errorf("step %d in %s, want %s", i+1, s.Dir, want)
		}
		if s.Rate > float64(cfg.MaxRate) || s.Rate < float64(cfg.MinRate) {
			t.Errorf("step at %g/s outside %d..%d", s.Rate, cfg.MinRate, cfg.MaxRate)
		}
		if _, err := runrecord.Read(filepath.Join(cfg.Plan.Out, s.Dir)); err != nil {
			t.Errorf("step %s has no run record: %v", s.Dir, err)
		}
	}
	return c
}

// stepLine is a step as "phase rate PASS|FAIL".
func stepLine(s runrecord.CapacityStep) string {
	v := "FAIL"
	if s.Pass {
		v = "pass"
	}
	return fmt.Sprintf("%s %g %s", s.Phase, s.Rate, v)
}

func stepLines(c *runrecord.Capacity) []string {
	var out []string
	for _, s := range c.Steps {
		out = append(out, stepLine(s))
	}
	return out
}

// Replaying the steps a live search measured on demotarget.Work (capacity
// 200/s) under p99<100ms: the search grows until 400/s fails twice, bisects
// down, and lands between the recorded 206/s (p99 82ms) and 212/s (p99
// 114ms). Steps whose median is already beyond the bound stop early.
func TestSearchRecordedOutcomes(t *testing.T) {
	cfg := Config{Plan: modelPlan(t, "p99<100ms,success>=99%"), MinRate: 50, MaxRate: 800, StepDuration: 2 * time.Second, Cooldown: -1}
	f := newFakeTarget(replay(recordedC4S20))
	c := searchModel(t, context.Background(), cfg, f)
	want := []string{
		"grow 50 pass", "grow 100 pass", "grow 200 pass", "grow 400 FAIL", "retry 400 FAIL",
		"bisect 300 FAIL", "retry 300 FAIL", "bisect 250 FAIL", "retry 250 FAIL",
		"bisect 225 FAIL", "retry 225 FAIL", "bisect 212 FAIL", "retry 212 FAIL", "bisect 206 pass",
	}
	if got := stepLines(c); !reflect.DeepEqual(got, want) {
		t.Errorf("steps\n got %q\nwant %q", got, want)
	}
	if c.SustainableRate != 206 || c.Knee != 212 || c.LowerBound || c.StopReason != "bisected to within 5%: 206/s passes, 212/s fails" {
		t.Errorf("got %+v", c)
	}
	if c.SummaryStep != "steps/14" {
		t.Errorf("summary of %s, want the step at the sustainable rate (steps/14)", c.SummaryStep)
	}
	stoppedAfter := map[float64]time.Duration{}
	for _, s := range c.Steps {
		// From 212/s up the interval median passes 100ms within the step
		// (at 212/s only in its last intervals).
		early := s.Rate >= 212
		if (s.EarlyStop != "") != early || s.Rate >= 225 && s.Duration >= cfg.StepDuration {
			t.Errorf("step %s at %g/s: early stop %q after %s", s.Dir, s.Rate, s.EarlyStop, s.Duration)
		}
		if !s.Pass && len(s.Failed) == 0 && s.EarlyStop == "" {
			t.Errorf("step %s failed without a reason", s.Dir)
		}
		stoppedAfter[s.Rate] = max(stoppedAfter[s.Rate], s.Duration)
	}
	// The further over capacity, the sooner the verdict is clear.
	for r1, d1 := range stoppedAfter {
		for r2, d2 := range stoppedAfter {
			if r1 < r2 && r1 >= 212 && d1 < d2 {
				t.Errorf("%g/s stopped after %s, sooner than %g/s (%s)", r1, d1, r2, d2)
			}
		}
	}
	// Every attempt warmed its rate up first.
	if !reflect.DeepEqual(f.warmups, f.rates()) {
		t.Errorf("warm-ups %v, steps %v", f.warmups, f.rates())
	}
}

// Against modelled services of many capacities, the result brackets the
// capacity: the sustainable rate is at most the highest rate the SLO lets
// through, the knee lies above the capacity, and the two are within the
// precision (or 1/s) of each other. Every passing rate is below every
// failing one, growth steps grow, and a bisect step lies strictly between
// the best pass and the lowest failure known when it ran.
func TestSearchBracketsModelledCapacity(t *testing.T) {
	const s = 20 * time.Millisecond
	// p90 < s+50ms over a 2 s step: rates up to capacity*(1+50ms/1.8s) pass.
	const slack = 1 + 50.0/1800
	capacities := []float64{21, 37, 50, 99, 200, 333.3, 401, 1000, 2499, 4990}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 6 {
		capacities = append(capacities, 20+rng.Float64()*4980)
	}
	for _, capy := range capacities {
		t.Run(fmt.Sprintf("C=%.1f", capy), func(t *testing.T) {
			t.Parallel() // each search has its own fake and directory
			cfg := Config{Plan: modelPlan(t, "p90<70ms"), MinRate: 20, MaxRate: 5000, StepDuration: 2 * time.Second, Warmup: -1, Cooldown: -1}
			c := searchModel(t, context.Background(), cfg, newFakeTarget(queue(capy, s)))
			switch {
			case c.LowerBound:
				// Only when MaxRate itself passed.
				if c.SustainableRate != float64(cfg.MaxRate) || capy*slack < c.SustainableRate || c.Knee != 0 {
					t.Errorf("capacity %g/s: found at least %g/s, knee %g/s", capy, c.SustainableRate, c.Knee)
				}
				return
			case c.SustainableRate > capy*slack || c.Knee <= capy:
				t.Errorf("capacity %g/s: found %g/s, knee %g/s", capy, c.SustainableRate, c.Knee)
			}
			if gap := c.Knee - c.SustainableRate; gap > max(1, cfg.withDefaults().Precision*c.SustainableRate) {
				t.Errorf("stopped with %g/s between pass and knee", gap)
			}
			pass, fail, growing := 0.0, 0.0, true
			for i, st := range c.Steps {
				switch st.Phase {
				case "grow":
					if !growing || i > 0 && st.Rate <= c.Steps[i-1].Rate {
						t.Errorf("step %d: grow at %g/s after %q", i+1, st.Rate, stepLine(c.Steps[i-1]))
					}
				case "bisect":
					growing = false
					if st.Rate <= pass || st.Rate >= fail {
						t.Errorf("step %d: bisect at %g/s outside (%g, %g)", i+1, st.Rate, pass, fail)
					}
				case "retry":
					if prev := c.Steps[i-1]; prev.Pass || prev.Rate != st.Rate {
						t.Errorf("step %d: retry of %q", i+1, stepLine(prev))
					}
				}
				if st.Pass {
					pass = max(pass, st.Rate)
				} else if fail == 0 || st.Rate < fail {
					fail = st.Rate
				}
			}
			if pass != c.SustainableRate || fail != c.Knee {
				t.Errorf("steps say %g..%g, the record %g..%g", pass, fail, c.SustainableRate, c.Knee)
			}
		})
	}
}

// A service far above -max-rate is never attacked beyond it, and the result
// is a lower bound.
func TestSearchStopsAtMaxRate(t *testing.T) {
	cfg := Config{Plan: modelPlan(t, "p99<200ms"), MinRate: 50, MaxRate: 120, StepDuration: 500 * time.Millisecond, Warmup: -1, Cooldown: -1}
	f := newFakeTarget(queue(1e6, time.Millisecond))
	c := searchModel(t, context.Background(), cfg, f)
	if got := fmt.Sprint(f.rates()); got != "[50 100 120]" {
		t.Errorf("step rates %v, want [50 100 120]", got)
	}
	if len(f.warmups) != 0 {
		t.Errorf("warm-ups %v with Warmup < 0", f.warmups)
	}
	if c.SustainableRate != 120 || !c.LowerBound || c.Knee != 0 || c.StopReason != "max rate 120/s met the SLO: the capacity is at least that" {
		t.Errorf("got %+v", c)
	}
	// Its page is the renderer's (html's TestCapacityPageFromTheRecord).
}

func TestSearchMinRateFails(t *testing.T) {
	cfg := Config{Plan: modelPlan(t, "p90<70ms"), MinRate: 100, MaxRate: 1000, StepDuration: 2 * time.Second, Warmup: -1, Cooldown: -1}
	c := searchModel(t, context.Background(), cfg, newFakeTarget(queue(50, 20*time.Millisecond)))
	if got := stepLines(c); !reflect.DeepEqual(got, []string{"grow 100 FAIL", "retry 100 FAIL"}) {
		t.Errorf("steps %q", got)
	}
	if c.SustainableRate != 0 || c.Knee != 100 || c.LowerBound || c.StopReason != "the min rate 100/s already fails the SLO" || c.SummaryStep != "steps/01" {
		t.Errorf("got %+v", c)
	}
}

// Below capacity a failure is noise, so it is measured again: a stall in
// the first attempt at 200/s does not end the growth when the retry passes.
// Without retries the same stall ends it.
func TestSearchRetriesAFailure(t *testing.T) {
	capacity := queue(1000, 10*time.Millisecond)
	stallOnce := func(rate, attempt int) ramp {
		r := capacity(rate, attempt)
		if rate == 200 && attempt == 0 {
			r.Start = 300 * time.Millisecond // a neighbour stalled the box
		}
		return r
	}
	for _, tc := range []struct {
		retries int
		want    []string
		found   float64
	}{
		{1, []string{"grow 100 pass", "grow 200 FAIL", "retry 200 pass", "grow 400 pass"}, 400},
		{-1, []string{"grow 100 pass", "grow 200 FAIL", "bisect 150 pass"}, 150},
	} {
		t.Run(fmt.Sprint("retries=", tc.retries), func(t *testing.T) {
			cfg := Config{Plan: modelPlan(t, "p99<50ms"), MinRate: 100, MaxRate: 400, Precision: 0.5, Retries: tc.retries,
				StepDuration: time.Second, Warmup: -1, Cooldown: -1}
			c := searchModel(t, context.Background(), cfg, newFakeTarget(stallOnce))
			if got := stepLines(c); !reflect.DeepEqual(got, tc.want) || c.SustainableRate != tc.found {
				t.Errorf("steps %q, found %g/s; want %q, %g/s", got, c.SustainableRate, tc.want, tc.found)
			}
		})
	}
}

// A step whose errors already exceed what success>=X allows in the whole
// step stops at once: its verdict is known.
func TestSearchStopsStepOnErrorBudget(t *testing.T) {
	failing := func(rate, attempt int) ramp {
		r := ramp{Start: 5 * time.Millisecond, Success: 1}
		if rate > 100 {
			r.Success = 0.5 // past 100/s half the requests fail at once
		}
		return r
	}
	cfg := Config{Plan: modelPlan(t, "success>=99%"), MinRate: 100, MaxRate: 200, StepDuration: 2 * time.Second, Retries: -1, Warmup: -1, Cooldown: -1}
	c := searchModel(t, context.Background(), cfg, newFakeTarget(failing))
	last := c.Steps[len(c.Steps)-1]
	if stepLines(c)[1] != "grow 200 FAIL" || !strings.Contains(last.EarlyStop, "requests failed, more than success>=99% allows in the whole step") {
		t.Fatalf("steps %q, last early stop %q", stepLines(c), last.EarlyStop)
	}
	// 200/s for 2 s with success>=99% allows 4 errors; the first 200ms
	// interval has 20.
	if last.Duration != StepInterval(cfg.StepDuration) {
		t.Errorf("stopped after %s, want after the first interval", last.Duration)
	}
	rec, err := runrecord.Read(filepath.Join(cfg.Plan.Out, last.Dir))
	if err != nil || !rec.Interrupted || !strings.Contains(strings.Join(rec.Warnings, "\n"), "the capacity search stopped this step early") {
		t.Errorf("the step's own record does not say who stopped it: %v %+v", err, rec)
	}
}

// Cancelling the search (Ctrl-C) in the middle of a step keeps the steps
// measured so far, does not count the cut step either way, and reports the
// best passing rate as a lower bound. Cancelled during a warm-up or a
// cool-down, the search measures nothing more.
func TestSearchInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cancelAt func(step, interval int) bool // from the fake's hook; interval -1: warm-up, -2: after the step
		cooldown time.Duration
		steps    int // steps in the record
		found    float64
	}{
		{"in step 3", func(step, iv int) bool { return step == 3 && iv == 1 }, -1, 3, 40},
		{"in the warm-up of step 3", func(step, iv int) bool { return step == 3 && iv == -1 }, -1, 2, 40},
		// Cancelled as step 1 ends, with a cool-down of an hour to come:
		// the search must not wait it out.
		{"in a cool-down", func(step, iv int) bool { return step == 1 && iv == -2 }, time.Hour, 1, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := Config{Plan: modelPlan(t, "p99<200ms"), MinRate: 20, MaxRate: 10000, StepDuration: time.Second, Warmup: time.Second, Cooldown: tc.cooldown}
			f := newFakeTarget(queue(1e6, time.Millisecond))
			f.hook = func(step, iv int) {
				if tc.cancelAt(step, iv) {
					cancel()
				}
			}
			cfg.OnStep = func(runrecord.CapacityStep) {
				if tc.cancelAt(len(f.plans), -2) {
					cancel()
				}
			}
			c := searchModel(t, ctx, cfg, f)
			if len(c.Steps) != tc.steps {
				t.Fatalf("%d steps, want %d: %q", len(c.Steps), tc.steps, stepLines(c))
			}
			for _, s := range c.Steps[:min(2, tc.steps)] {
				if !s.Pass || s.Interrupted {
					t.Errorf("step %s before the cancel: %+v", s.Dir, s)
				}
			}
			if tc.steps == 3 {
				if s := c.Steps[2]; !s.Interrupted || s.Pass || s.Duration != 100*time.Millisecond {
					t.Errorf("the cut step: %+v", s)
				}
			}
			if c.SustainableRate != tc.found || !c.LowerBound || c.Knee != 0 || c.StopReason != fmt.Sprintf("interrupted: %g/s met the SLO, the capacity is at least that", tc.found) {
				t.Errorf("got %+v", c)
			}
			if back, _ := runrecord.Read(cfg.Plan.Out); !back.Interrupted {
				t.Error("the record on disk does not say the search was interrupted")
			}
			if _, err := os.Stat(filepath.Join(cfg.Plan.Out, stepDir(tc.steps+1))); err == nil {
				t.Errorf("step %d was started after the cancel", tc.steps+1)
			}
		})
	}
	t.Run("before the first step", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		cfg := Config{Plan: modelPlan(t, "p99<200ms"), MinRate: 20, MaxRate: 100}
		run, err := searchWith(ctx, cfg, newFakeTarget(queue(1e6, time.Millisecond)))
		if run != nil || err == nil || !strings.Contains(err.Error(), "interrupted before the first step") {
			t.Errorf("got %v, %v", run, err)
		}
	})
}

// Each step's plan is the search's plan at the step's rate, for the step's
// duration, in its own directory, with the SLO; with a collector, a step
// waits for no idle baseline (it follows its warm-up at once).
func TestStepPlans(t *testing.T) {
	p := modelPlan(t, "p99<200ms")
	p.Name = "checkout"
	p.Collect = &collect.Config{PID: os.Getpid(), Interval: 100 * time.Millisecond, Baseline: time.Second}
	var progress int
	p.Progress = func(recording.IntervalStats) { progress++ }
	cfg := Config{Plan: p, MinRate: 50, MaxRate: 100, StepDuration: time.Second, Warmup: -1, Cooldown: -1}
	f := newFakeTarget(queue(1e6, time.Millisecond))
	searchModel(t, context.Background(), cfg, f)
	if len(f.plans) != 2 {
		t.Fatalf("%d steps", len(f.plans))
	}
	for i, sp := range f.plans {
		n := i + 1
		want := map[string]any{
			"name":     fmt.Sprintf("checkout step %02d", n),
			"out":      filepath.Join(p.Out, stepDir(n)),
			"schedule": attack.Constant{Freq: 50 * n, Per: time.Second},
			"duration": time.Second,
			"interval": StepInterval(time.Second),
			"slo":      p.SLO,
			"baseline": time.Duration(-1),
		}
		got := map[string]any{
			"name": sp.Name, "out": sp.Out, "schedule": sp.Schedule, "duration": sp.Options.Duration,
			"interval": sp.Interval, "slo": sp.SLO, "baseline": sp.Collect.Baseline,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("step %d plan\n got %v\nwant %v", n, got, want)
		}
	}
	if p.Collect.Baseline != time.Second {
		t.Error("the search changed the caller's collector config")
	}
	// The caller's progress callback still sees every interval.
	if progress != 20 {
		t.Errorf("progress called %d times, want 20 (2 steps of 10 intervals)", progress)
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
