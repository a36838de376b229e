package capacity

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// stepSchedule is a constant rate of r requests/s.
func stepSchedule(r int) attack.Schedule { return attack.Constant{Freq: r, Per: time.Second} }

// stepDir is step n's run directory relative to the capacity run.
func stepDir(n int) string { return filepath.Join("steps", fmt.Sprintf("%02d", n)) }

// stepRunner is the seam between the search's logic and the load it sends:
// it warms a rate up and executes one step's plan into a run record. The
// live one attacks the target; the tests replace it with a model of a
// target (a table of rate -> latency, throughput, success), so the search
// (grow, bisect, retries, early stop, interruption) runs in milliseconds
// with no traffic and the same outcome every time.
type stepRunner interface {
	// warmup loads the target at rate for d without recording it.
	warmup(ctx context.Context, rate int, d time.Duration) error
	// execute runs p (a step at a constant rate) and writes its run
	// record to p.Out, calling p.Progress as each interval closes, as
	// runner.Execute does. Cancelling ctx stops it early.
	execute(ctx context.Context, p runner.Plan) (*runrecord.Run, error)
}

// liveSteps attacks the target, every step and warm-up on one pool of
// connections kept open across steps.
type liveSteps struct {
	plan runner.Plan
	pool *attack.Pool
}

// warmup sends load at the step's rate on the shared pool without
// recording it: the connections the step needs are open, and the target's
// caches, JIT or autoscaling see the rate before it is measured. It returns
// once every response is in, so the target has drained its queue.
func (l liveSteps) warmup(ctx context.Context, rate int, d time.Duration) error {
	o := l.plan.Options
	o.Duration = d
	o.Pool = l.pool
	a, err := attack.New(l.plan.Targets, stepSchedule(rate), o)
	if err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-l.plan.Abort:
			a.Abort()
		case <-done:
		}
	}()
	a.Run(ctx, func(*attack.Result) {})
	return nil
}

func (l liveSteps) execute(ctx context.Context, p runner.Plan) (*runrecord.Run, error) {
	p.Options.Pool = l.pool
	return runner.Execute(ctx, p)
}

// warmup warms the step's rate up, unless there is no warm-up.
func (s *search) warmup(ctx context.Context, rate int) error {
	if s.cfg.Warmup <= 0 {
		return nil
	}
	return s.measurer.warmup(ctx, rate, s.cfg.Warmup)
}

// measure runs step n at rate: a complete run record in steps/NN, judged
// by the SLO, stopped early when clearly failing.
func (s *search) measure(ctx context.Context, n, rate int, phase string) (runrecord.CapacityStep, *runrecord.Run, error) {
	step := runrecord.CapacityStep{Rate: float64(rate), Phase: phase, Dir: stepDir(n)}
	stepCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := s.cfg.Plan
	p.Name = fmt.Sprintf("%s step %02d", nameOr(p.Name), n)
	p.Schedule = stepSchedule(rate)
	p.Options.Duration = s.cfg.StepDuration
	p.Out = filepath.Join(s.cfg.Plan.Out, step.Dir)
	if p.Collect != nil {
		// A step follows its warm-up at once: the target is not idle, and an
		// "idle" baseline here would both mislead and let the warmed
		// connections cool for its length.
		c := *p.Collect
		c.Baseline = -1
		p.Collect = &c
	}
	st := newStopper(p.SLO, s.cfg.EarlyStop, rate, s.cfg.StepDuration, p.Interval, cancel)
	progress := s.cfg.Plan.Progress
	p.Progress = func(is recording.IntervalStats) {
		st.observe(is)
		if progress != nil {
			progress(is)
		}
	}
	run, err := s.measurer.execute(stepCtx, p)
	if run == nil {
		return step, nil, fmt.Errorf("step %02d at %d/s: %w", n, rate, err)
	}
	sum := run.Summary
	if g := sloGroup(p.SLO); g != "" {
		// The search is about that group: its figures are the step's.
		for _, gs := range sum.Groups {
			if gs.Name == g {
				sum.Requests, sum.Throughput, sum.SuccessRatio, sum.Latency = gs.Requests, gs.Throughput, gs.SuccessRatio, gs.Latency
			}
		}
	}
	step.Duration = sum.Duration
	step.Requests = sum.Requests
	step.Throughput = sum.Throughput
	step.Success = sum.SuccessRatio
	step.P50, step.P99, step.P999, step.Max = sum.Latency.P50, sum.Latency.P99, sum.Latency.P999, sum.Latency.Max
	if t := sum.Target; t != nil {
		cpu, rss := t.CPUPercent.Mean, t.RSSBytes.Mean
		step.TargetCPU, step.TargetRSS = &cpu, &rss
	}
	if sum.SLO != nil {
		for _, c := range sum.SLO.Checks {
			if !c.Pass {
				step.Failed = append(step.Failed, c.Expr)
			}
		}
	}
	step.EarlyStop = st.stopped()
	if step.EarlyStop != "" && err == nil {
		// The step's own record says it was interrupted; say by whom.
		run.Warnings = append(run.Warnings, "the capacity search stopped this step early: "+step.EarlyStop)
		err = runrecord.Write(p.Out, run)
	}
	step.Interrupted = ctx.Err() != nil && step.EarlyStop == ""
	if step.EarlyStop == "" && !step.Interrupted {
		// The SLO can hold while a queue builds (p99 below the bound for
		// the step's few seconds): throughput short of the offer says the
		// rate was not sustained, whatever the latency.
		short, serr := sustained(run, p.Out, step.Rate)
		if serr != nil && err == nil {
			err = serr
		}
		step.Shortfall = short
	}
	step.Pass = sum.SLO != nil && sum.SLO.Pass && step.EarlyStop == "" && !step.Interrupted && step.Shortfall == ""
	if err != nil {
		return step, run, fmt.Errorf("step %02d at %d/s: %w", n, rate, err)
	}
	return step, run, nil
}

// sloGroup is the endpoint group every latency check of the SLO names,
// or "" when they name none, or several.
func sloGroup(set *slo.Set) string {
	group := ""
	for _, c := range set.Checks() {
		if c.Kind != slo.Latency {
			continue
		}
		if c.Group == "" || (group != "" && c.Group != group) {
			return ""
		}
		group = c.Group
	}
	return group
}

func nameOr(name string) string {
	if name == "" {
		return "capacity"
	}
	return name
}
