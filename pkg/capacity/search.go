package capacity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// search is the state of one Search.
type search struct {
	runID    string // the capacity record's, kept across its rewrites
	cfg      Config
	measurer stepRunner // runs steps: the target, or a model of one in tests
	begin    time.Time
	steps    []runrecord.CapacityStep
	runs     []*runrecord.Run // runs[i] is steps[i]'s record
	// best passing and lowest failing rates so far (0: none)
	pass, fail int
}

// Search runs the capacity search and writes its run record (kind
// "capacity") to cfg.Plan.Out, rewritten after every step so that an
// interrupted search keeps every step measured. Cancelling ctx ends the
// search after the step in progress stops; the best passing rate is then
// reported as a lower bound. The returned run is non-nil once any step ran.
func Search(ctx context.Context, cfg Config) (*runrecord.Run, error) {
	pool := attack.NewPool()
	defer pool.CloseIdle()
	return searchWith(ctx, cfg, liveSteps{plan: cfg.Plan, pool: pool})
}

// searchWith is Search measuring its steps with steps.
func searchWith(ctx context.Context, cfg Config, steps stepRunner) (*runrecord.Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, &runner.PlanError{Err: err}
	}
	// The steps of an earlier search in the same directory must not
	// survive into this one (Plan.Replace), nor be written over silently.
	if err := runrecord.PrepareDir(cfg.Plan.Out, cfg.Plan.Replace); err != nil {
		return nil, &runner.PlanError{Err: err}
	}
	cfg = cfg.withDefaults()
	s := &search{runID: runrecord.NewRunID(), cfg: cfg, measurer: steps, begin: time.Now()}
	reason, err := s.run(ctx)
	if len(s.runs) == 0 {
		if err == nil {
			err = errors.New("interrupted before the first step was measured")
		}
		return nil, err
	}
	run := s.record(reason, ctx.Err() != nil)
	if werr := runrecord.Write(cfg.Plan.Out, run); werr != nil && err == nil {
		err = werr
	}
	return run, err
}

// run grows then bisects, and returns why it stopped.
func (s *search) run(ctx context.Context) (string, error) {
	c := s.cfg
	for rate := c.MinRate; ; rate = nextRate(rate, c.Growth, c.MaxRate) {
		pass, err := s.step(ctx, rate, "grow")
		if err != nil || ctx.Err() != nil {
			return interrupted(s.pass), err
		}
		if !pass {
			break
		}
		if rate >= c.MaxRate {
			return fmt.Sprintf("max rate %d/s met the SLO: the capacity is at least that", c.MaxRate), nil
		}
	}
	if s.pass == 0 {
		return fmt.Sprintf("the min rate %d/s already fails the SLO", c.MinRate), nil
	}
	for s.fail-s.pass > 1 && float64(s.fail-s.pass) > c.Precision*float64(s.pass) {
		_, err := s.step(ctx, (s.pass+s.fail)/2, "bisect")
		if err != nil || ctx.Err() != nil {
			return interrupted(s.pass), err
		}
	}
	return fmt.Sprintf("bisected to within %.3g%%: %d/s passes, %d/s fails", c.Precision*100, s.pass, s.fail), nil
}

func interrupted(pass int) string {
	if pass == 0 {
		return "interrupted before any step met the SLO"
	}
	return fmt.Sprintf("interrupted: %d/s met the SLO, the capacity is at least that", pass)
}

// step measures rate, re-measuring a failure up to Retries times: it passes
// if any attempt passes. The asymmetry is deliberate: below capacity a
// constant rate does not queue, so a failure there is noise (a stall of the
// machine, a GC, a neighbour), while above capacity the queue grows in every
// attempt and no retry passes by luck.
func (s *search) step(ctx context.Context, rate int, phase string) (bool, error) {
	for try := 0; try <= s.cfg.Retries; try++ {
		ph := phase
		if try > 0 {
			ph = "retry"
		}
		st, err := s.attempt(ctx, rate, ph)
		if err != nil || st == nil || st.Interrupted || ctx.Err() != nil {
			return false, err
		}
		if st.Pass {
			return true, nil
		}
	}
	if s.fail == 0 || rate < s.fail {
		s.fail = rate
	}
	return false, nil
}

// attempt cools down after the previous step, warms up, measures, and
// records one step; nil when interrupted before measuring.
func (s *search) attempt(ctx context.Context, rate int, phase string) (*runrecord.CapacityStep, error) {
	if len(s.steps) > 0 && s.cfg.Cooldown > 0 {
		t := time.NewTimer(s.cfg.Cooldown)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
	if err := s.warmup(ctx, rate); err != nil || ctx.Err() != nil {
		return nil, err
	}
	st, run, err := s.measure(ctx, len(s.steps)+1, rate, phase)
	if run == nil {
		return nil, err
	}
	s.steps = append(s.steps, st)
	s.runs = append(s.runs, run)
	if st.Pass {
		s.pass = max(s.pass, rate)
	}
	if s.cfg.OnStep != nil {
		s.cfg.OnStep(st)
	}
	// Keep the record current: a crash or kill still leaves every step.
	if werr := runrecord.Write(s.cfg.Plan.Out, s.record("in progress", true)); werr != nil && err == nil {
		err = werr
	}
	return &st, err
}
