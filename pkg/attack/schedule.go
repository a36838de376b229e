package attack

import (
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// A Schedule is a vegeta pacer that also knows when each hit is due.
//
// Due(n) is the intended send time of hit n (0-based) measured from the start
// of the attack; ok is false when the schedule never reaches hit n. Hits(t) is
// the number of hits due in [0, t]. Open reports whether the schedule is an
// open model with intended times at all: the unbounded rate 0 is not, and
// there latency is measured from the actual send.
type Schedule interface {
	Pace(elapsed time.Duration, hits uint64) (wait time.Duration, stop bool)
	Rate(elapsed time.Duration) float64
	Due(n uint64) (d time.Duration, ok bool)
	Hits(t time.Duration) uint64
	Open() bool
	// End is the time after which no hit is due (0: never ends).
	End() time.Duration
	String() string
}

// Every schedule is also a vegeta.Pacer, so vegeta's own attacker can
// drive it; loadgen's engine uses Due directly.
var (
	_ vegeta.Pacer = Constant{}
	_ vegeta.Pacer = (*Stages)(nil)
	_ vegeta.Pacer = Sine{}
)

// pace implements vegeta's Pacer contract from Due: wait until hit n is due,
// or send immediately when behind.
func pace(s Schedule, elapsed time.Duration, hits uint64) (time.Duration, bool) {
	d, ok := s.Due(hits)
	if !ok {
		return 0, true
	}
	return d - elapsed, false
}

// Constant sends Freq hits every Per; hit n is due at (n+1)*Per/Freq, which is
// vegeta's ConstantPacer schedule. Freq 0 means as fast as the workers allow.
type Constant struct {
	Freq int
	Per  time.Duration
}

// Open reports false for the unbounded rate.
func (c Constant) Open() bool { return c.Freq > 0 }

// End is 0: a constant schedule never ends by itself.
func (c Constant) End() time.Duration { return 0 }

// Due returns (n+1)*Per/Freq without overflow.
func (c Constant) Due(n uint64) (time.Duration, bool) {
	if c.Freq <= 0 {
		return 0, true
	}
	hi, lo := bits.Mul64(n+1, uint64(c.Per))
	if hi >= uint64(c.Freq) {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, uint64(c.Freq))
	if q > math.MaxInt64 {
		return 0, false
	}
	return time.Duration(q), true
}

// Hits returns floor(t*Freq/Per).
func (c Constant) Hits(t time.Duration) uint64 {
	if c.Freq <= 0 || t <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(t), uint64(c.Freq))
	if hi >= uint64(c.Per) {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, uint64(c.Per))
	return q
}

// Pace implements vegeta.Pacer.
func (c Constant) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if c.Freq <= 0 {
		return 0, false
	}
	return pace(c, elapsed, hits)
}

// Rate implements vegeta.Pacer, in hits per second.
func (c Constant) Rate(time.Duration) float64 {
	if c.Freq <= 0 {
		return math.Inf(1)
	}
	return float64(c.Freq) * float64(time.Second) / float64(c.Per)
}

func (c Constant) String() string {
	if c.Freq <= 0 {
		return "unbounded"
	}
	return fmt.Sprintf("constant %d/%s", c.Freq, c.Per)
}

// ParseRate reads vegeta's rate syntax: "N" (per second), "N/s", "N/100ms",
// "N/1m". "0" is vegeta's unbounded rate.
func ParseRate(s string) (Constant, error) {
	freqStr, perStr, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	freq, err := strconv.Atoi(freqStr)
	if err != nil || freq < 0 {
		return Constant{}, fmt.Errorf("invalid rate %q: want a non-negative integer, optionally /unit, like 500 or 50/100ms", s)
	}
	per := time.Second
	if hasPer {
		if perStr != "" && (perStr[0] < '0' || perStr[0] > '9') {
			perStr = "1" + perStr
		}
		per, err = time.ParseDuration(perStr)
		if err != nil || per <= 0 {
			return Constant{}, fmt.Errorf("invalid rate %q: %q is not a positive duration like s, 100ms or 1m", s, perStr)
		}
	}
	return Constant{Freq: freq, Per: per}, nil
}
