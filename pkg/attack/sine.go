package attack

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Sine is the rate Mean + Amp*sin(2*pi*t/Period + Phase) hits/s, the same
// shape as vegeta's SinePacer, with the intended time of every hit.
type Sine struct {
	Period time.Duration
	Mean   float64
	Amp    float64
	Phase  float64 // radians
}

// NewSine validates a sine schedule: the rate must never go negative.
func NewSine(period time.Duration, mean, amp, phase float64) (Sine, error) {
	switch {
	case period <= 0:
		return Sine{}, fmt.Errorf("sine: period must be positive")
	case mean <= 0:
		return Sine{}, fmt.Errorf("sine: mean must be positive")
	case amp < 0 || amp > mean:
		return Sine{}, fmt.Errorf("sine: amp must be between 0 and mean (%g) so the rate never goes negative", mean)
	}
	return Sine{Period: period, Mean: mean, Amp: amp, Phase: phase}, nil
}

// ParseSine reads "mean=1000,amp=500,period=1m[,phase=0]".
func ParseSine(spec string) (Sine, error) {
	var (
		mean, amp, phase float64
		period           time.Duration
		err              error
	)
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return Sine{}, fmt.Errorf("invalid sine %q: %q is not KEY=VALUE; want mean=1000,amp=500,period=1m", spec, kv)
		}
		switch k {
		case "mean":
			mean, err = strconv.ParseFloat(v, 64)
		case "amp":
			amp, err = strconv.ParseFloat(v, 64)
		case "phase":
			phase, err = strconv.ParseFloat(v, 64)
		case "period":
			period, err = time.ParseDuration(v)
		default:
			return Sine{}, fmt.Errorf("invalid sine %q: unknown key %q (want mean, amp, period, phase)", spec, k)
		}
		if err != nil {
			return Sine{}, fmt.Errorf("invalid sine %q: %s=%q: %w", spec, k, v, err)
		}
	}
	s, err := NewSine(period, mean, amp, phase)
	if err != nil {
		return Sine{}, fmt.Errorf("invalid sine %q: %w", spec, err)
	}
	return s, nil
}

// Open reports true.
func (s Sine) Open() bool { return true }

// End is 0: a sine never ends by itself.
func (s Sine) End() time.Duration { return 0 }

// Rate returns hits/s at elapsed.
func (s Sine) Rate(elapsed time.Duration) float64 {
	return s.Mean + s.Amp*math.Sin(2*math.Pi*elapsed.Seconds()/s.Period.Seconds()+s.Phase)
}

// cum is the integral of Rate over [0, t] (t in seconds).
func (s Sine) cum(t float64) float64 {
	w := 2 * math.Pi / s.Period.Seconds()
	return s.Mean*t + s.Amp/w*(math.Cos(s.Phase)-math.Cos(w*t+s.Phase))
}

// Hits returns the number of hits due in [0, t].
func (s Sine) Hits(t time.Duration) uint64 {
	if t <= 0 {
		return 0
	}
	return uint64(math.Floor(s.cum(t.Seconds()) + 1e-9))
}

// Due finds t with cum(t) = n+1 by bisection: cum is non-decreasing and
// within Amp/w of Mean*t, which brackets the root.
func (s Sine) Due(n uint64) (time.Duration, bool) {
	k := float64(n + 1)
	slack := s.Amp * s.Period.Seconds() / (2 * math.Pi) * 2
	lo := math.Max(0, (k-slack)/s.Mean)
	hi := (k + slack) / s.Mean
	for hi-lo > 1e-10 {
		mid := (lo + hi) / 2
		if s.cum(mid) < k {
			lo = mid
		} else {
			hi = mid
		}
	}
	if hi*float64(time.Second) > math.MaxInt64 {
		return 0, false
	}
	return time.Duration(math.Ceil(hi * float64(time.Second))), true
}

// Pace implements vegeta.Pacer.
func (s Sine) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return pace(s, elapsed, hits)
}

func (s Sine) String() string {
	return fmt.Sprintf("sine mean=%g amp=%g period=%s phase=%g", s.Mean, s.Amp, s.Period, s.Phase)
}
