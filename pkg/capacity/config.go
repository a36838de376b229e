package capacity

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Config is one capacity search.
type Config struct {
	// Plan is the attack every step runs: targets, options (timeouts,
	// connections, ...), collector, Args, and the SLO, which is required.
	// Plan.Out is the capacity run's directory; steps go in Out/steps/NN.
	// Schedule and Options.Duration are set per step.
	Plan runner.Plan

	MinRate, MaxRate int     // requests/s; the search never exceeds MaxRate
	Growth           float64 // rate multiplier while growing (default 2)
	Precision        float64 // stop bisecting when (fail-pass)/pass <= this (default 0.05)

	StepDuration time.Duration // measured window of a step (default 10s)
	Warmup       time.Duration // unrecorded load at the step's rate first (default 2s)
	Cooldown     time.Duration // idle time between steps (default 2s)

	// EarlyStop is how many consecutive intervals must be clearly failing
	// before a step stops early (default 3; negative: never stop early).
	EarlyStop int

	// Retries is how many times a failing step is measured again before
	// it counts as a failure (default 1; negative: none). See step.
	Retries int

	// OnStep, if set, is called after each measured step.
	OnStep func(runrecord.CapacityStep)
}

// Defaults.
const (
	DefaultGrowth       = 2.0
	DefaultPrecision    = 0.05
	DefaultStepDuration = 10 * time.Second
	DefaultWarmup       = 2 * time.Second
	DefaultCooldown     = 2 * time.Second
	DefaultEarlyStop    = 3
	DefaultRetries      = 1
)

// withDefaults fills zero fields. A zero Warmup or Cooldown stays zero only
// when set negative, so that the zero Config is a sensible one.
func (c Config) withDefaults() Config {
	if c.Growth == 0 {
		c.Growth = DefaultGrowth
	}
	if c.Precision == 0 {
		c.Precision = DefaultPrecision
	}
	if c.StepDuration == 0 {
		c.StepDuration = DefaultStepDuration
	}
	if c.Warmup == 0 {
		c.Warmup = DefaultWarmup
	}
	c.Warmup = max(c.Warmup, 0)
	if c.Cooldown == 0 {
		c.Cooldown = DefaultCooldown
	}
	c.Cooldown = max(c.Cooldown, 0)
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	c.Retries = max(c.Retries, 0)
	if c.EarlyStop == 0 {
		c.EarlyStop = DefaultEarlyStop
	}
	if c.Plan.Interval == 0 {
		c.Plan.Interval = StepInterval(c.StepDuration)
	}
	return c
}

// StepInterval is the latency interval used for a step of duration d when
// none is given: a tenth of the step (between 100ms and 1s, a multiple of
// 10ms), so that early stopping sees several intervals in every step.
func StepInterval(d time.Duration) time.Duration {
	iv := (d / 10).Truncate(10 * time.Millisecond)
	return min(max(iv, 100*time.Millisecond), time.Second)
}

// Validate checks the search before anything is sent.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Plan.SLO == nil || len(c.Plan.SLO.Checks()) == 0:
		return errors.New("a capacity search needs an SLO, like p99<50ms,success>=99.9%")
	case c.MinRate < 1:
		return fmt.Errorf("min rate %d: must be at least 1 request/s", c.MinRate)
	case c.MaxRate < c.MinRate:
		return fmt.Errorf("max rate %d must be at least the min rate %d", c.MaxRate, c.MinRate)
	case c.Growth <= 1 || math.IsNaN(c.Growth) || math.IsInf(c.Growth, 0):
		return fmt.Errorf("growth %g: must be more than 1", c.Growth)
	case c.Precision <= 0 || c.Precision >= 1 || math.IsNaN(c.Precision):
		return fmt.Errorf("precision %g: must be between 0 and 1 (0.05 = 5%%)", c.Precision)
	case c.StepDuration < 2*c.Plan.Interval:
		return fmt.Errorf("step duration %s: must be at least two latency intervals (%s)", c.StepDuration, c.Plan.Interval)
	}
	p := c.Plan
	p.Schedule = stepSchedule(c.MinRate)
	if len(p.Scenarios) > 0 {
		return errors.New("a capacity search varies one rate: a plan with scenarios has several")
	}
	if _, err := p.Groups(); err != nil {
		return err // an SLO on a group the plan does not have
	}
	return p.Validate()
}

// MaxSteps bounds the number of steps: the growth steps from MinRate to
// MaxRate, plus the halvings that shrink one growth interval to Precision,
// each perhaps retried.
func (c Config) MaxSteps() int {
	c = c.withDefaults()
	n := 1
	for r := c.MinRate; r < c.MaxRate; n++ {
		r = nextRate(r, c.Growth, c.MaxRate)
	}
	if c.MaxRate > c.MinRate {
		n += int(math.Ceil(math.Log2((c.Growth - 1) / c.Precision)))
	}
	return n * (1 + c.Retries)
}

// StepBound is the longest a step can take: warm-up, the measured window,
// each followed by up to a request timeout for responses in flight, and
// the cool-down.
func (c Config) StepBound() time.Duration {
	c = c.withDefaults()
	return c.Warmup + c.StepDuration + c.Cooldown + 2*c.Plan.Options.Timeout
}

// MaxDuration bounds the whole search. Typical is the same without the
// request timeouts (responses that come back promptly).
func (c Config) MaxDuration() (bound, typical time.Duration) {
	c = c.withDefaults()
	n := time.Duration(c.MaxSteps())
	return n * c.StepBound(), n * (c.Warmup + c.StepDuration + c.Cooldown)
}

// nextRate grows r by factor g (at least by 1), capped at maxRate.
func nextRate(r int, g float64, maxRate int) int {
	next := int(math.Ceil(float64(r) * g))
	return min(max(next, r+1), maxRate)
}
