package attack

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Stage ramps the rate linearly from the previous stage's target (0 before
// the first stage, as k6's ramping-arrival-rate) to Target hits/s over
// Duration. A zero Duration jumps to Target at once.
type Stage struct {
	Duration time.Duration
	Target   float64
}

// Stages is a piecewise-linear rate. Hit n is due when the integral of the
// rate reaches n+1, which is the constant schedule's rule generalised.
type Stages struct {
	stages []Stage
	start  []float64 // start[i]: rate at the beginning of stage i
	offset []time.Duration
	cum    []float64 // cum[i]: hits due before stage i
	total  float64
}

// NewStages validates and prepares a stages schedule.
func NewStages(stages []Stage) (*Stages, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("stages: need at least one stage")
	}
	s := &Stages{stages: stages}
	prev, at, cum := 0.0, time.Duration(0), 0.0
	for i, st := range stages {
		if st.Duration < 0 || st.Target < 0 || math.IsNaN(st.Target) || math.IsInf(st.Target, 0) {
			return nil, fmt.Errorf("stage %d: duration and target must be non-negative and finite", i+1)
		}
		s.start = append(s.start, prev)
		s.offset = append(s.offset, at)
		s.cum = append(s.cum, cum)
		cum += (prev + st.Target) / 2 * st.Duration.Seconds()
		at += st.Duration
		prev = st.Target
	}
	if at <= 0 {
		return nil, fmt.Errorf("stages: total duration must be positive")
	}
	s.total = cum
	return s, nil
}

// ParseStages reads "30s:1000,60s:5000,30s:0": each DURATION:RATE ramps
// linearly to RATE hits/s over DURATION, starting from 0.
func ParseStages(spec string) (*Stages, error) {
	var stages []Stage
	for i, part := range strings.Split(spec, ",") {
		durStr, rateStr, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("invalid stages %q: stage %d %q is not DURATION:RATE (like 30s:1000)", spec, i+1, part)
		}
		d, err := time.ParseDuration(durStr)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("invalid stages %q: stage %d duration %q is not a duration like 30s", spec, i+1, durStr)
		}
		r, err := strconv.ParseFloat(rateStr, 64)
		if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, fmt.Errorf("invalid stages %q: stage %d rate %q is not a non-negative number of hits/s", spec, i+1, rateStr)
		}
		stages = append(stages, Stage{Duration: d, Target: r})
	}
	s, err := NewStages(stages)
	if err != nil {
		return nil, fmt.Errorf("invalid stages %q: %w", spec, err)
	}
	return s, nil
}

// Open reports true: every hit has an intended time.
func (s *Stages) Open() bool { return true }

// End is the sum of the stage durations.
func (s *Stages) End() time.Duration {
	last := len(s.stages) - 1
	return s.offset[last] + s.stages[last].Duration
}

// Rate returns the rate at elapsed, in hits/s.
func (s *Stages) Rate(elapsed time.Duration) float64 {
	for i, st := range s.stages {
		if elapsed < s.offset[i]+st.Duration {
			if st.Duration == 0 {
				continue
			}
			x := (elapsed - s.offset[i]).Seconds() / st.Duration.Seconds()
			return s.start[i] + (st.Target-s.start[i])*x
		}
	}
	return 0
}

// Hits returns the number of hits due in [0, t].
func (s *Stages) Hits(t time.Duration) uint64 {
	if t <= 0 {
		return 0
	}
	for i, st := range s.stages {
		if t < s.offset[i]+st.Duration {
			x := (t - s.offset[i]).Seconds()
			a := (st.Target - s.start[i]) / (2 * st.Duration.Seconds())
			return uint64(math.Floor(s.cum[i] + s.start[i]*x + a*x*x + 1e-9))
		}
	}
	return uint64(math.Floor(s.total + 1e-9))
}

// Due solves cum(t) = n+1 inside the stage where it falls.
func (s *Stages) Due(n uint64) (time.Duration, bool) {
	k := float64(n + 1)
	if k > s.total+1e-9 {
		return 0, false
	}
	for i, st := range s.stages {
		next := s.total
		if i+1 < len(s.stages) {
			next = s.cum[i+1]
		}
		if k > next+1e-9 || st.Duration == 0 {
			continue
		}
		rem := k - s.cum[i]
		b := s.start[i]
		a := (st.Target - b) / (2 * st.Duration.Seconds())
		// Solve a x^2 + b x = rem; this form is stable for a of either sign.
		disc := b*b + 4*a*rem
		if disc < 0 {
			disc = 0
		}
		denom := b + math.Sqrt(disc)
		x := st.Duration.Seconds()
		if denom > 0 {
			x = math.Min(2*rem/denom, x)
		}
		return s.offset[i] + time.Duration(x*float64(time.Second)), true
	}
	return 0, false
}

// Pace implements vegeta.Pacer.
func (s *Stages) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return pace(s, elapsed, hits)
}

func (s *Stages) String() string {
	parts := make([]string, len(s.stages))
	for i, st := range s.stages {
		parts[i] = fmt.Sprintf("%s:%g", st.Duration, st.Target)
	}
	return "stages " + strings.Join(parts, ",")
}
