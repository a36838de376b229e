package attack

import (
	"time"
)

// Pacing modes (Options.Pacing).
const (
	// PacingPrecise (the default, also "") wakes the worker that holds a
	// slot just before its due time with a nanosecond-armed timer read
	// through the runtime's netpoller (timerfd on Linux), without parking
	// an OS thread per hit, and spins on the clock for the rest (see
	// spinAhead): dispatch lag of a few µs at low rates. From 15,000 req/s
	// it waits on the runtime's timers instead, which a busy process fires
	// on time for less CPU (see waitFor).
	PacingPrecise = "precise"
	// PacingCoarse waits on the runtime's own timers at every rate: on an
	// idle process they fire on millisecond boundaries, so below ~15,000
	// req/s slots leave up to about 1 ms late (never early), in small
	// bursts, for about precise pacing's CPU (0.83x-1.41x per request at
	// 1,000-5,000 req/s; BENCHMARKS.md).
	PacingCoarse = "coarse"
)

// wakeTimer waits, for one worker, until an instant. Each worker owns one,
// so a hit costs one wake-up, on the goroutine that sends it.
type wakeTimer interface {
	// until returns once t has passed (true), never earlier, or when
	// interrupt is called (false). How it waits is up to w (see waitFor);
	// a timer with only one way to wait ignores it.
	until(t time.Time, w wait) bool
	// interrupt makes a wait in progress, or the next one, return false.
	interrupt()
	close()
}

// Waking early and spinning hides the timer's wake-up latency, which is
// mostly the kernel's and the VM's, not ours: on the 2-vCPU VM of
// BENCHMARKS.md a timerfd wake-up from idle is ~190 µs late at the median
// at 50 req/s and ~75 µs at 1,000 req/s, and every hit's latency carried
// it. Spinning costs CPU, so a slot may spin at most spinShare of the gap
// to the slot before it: whatever the rate and the number of workers, the
// spinning costs at most 1/spinShare of one core. At 50 req/s a slot wakes
// maxSpinAhead early; at 1,000 req/s 100 µs; at 5,000 req/s 20 µs, which a
// wake-up's own lateness mostly covers, so busy attacks barely spin. Above
// 10,000 req/s (gaps under minSpinGap) nothing spins ahead: the CPUs are
// busy, so a wake-up does not start from idle and has little latency to
// hide, while the lag there is queueing for a CPU, and spinning would
// take CPU from the sends and, on a shared box, from the target.
const (
	spinShare    = 10
	maxSpinAhead = 500 * time.Microsecond
	minSpinGap   = 100 * time.Microsecond
)

// spinAhead is how early a slot due gap after the one before it may wake.
func spinAhead(gap time.Duration) time.Duration {
	if gap < minSpinGap {
		return 0
	}
	return min(maxSpinAhead, gap/spinShare)
}

// A wait is how a precise timer waits for one slot.
type wait struct {
	// early: wake this long before the instant and spin to it.
	early time.Duration
	// busy: wait on the runtime's timer, not the timerfd.
	busy bool
}

// busyGap: slots due less than this after the one before them (from
// 15,000 req/s) wait on the runtime's timers. The process is busy there,
// and the runtime checks its timers at every scheduling point, so they
// fire on time without a wake-up of their own; a goroutine parked on a
// timerfd is woken only when the netpoller runs, which on a busy process
// is when a P runs out of work, and each expiry can wake a sleeping
// thread. On the 2-vCPU box of BENCHMARKS.md, at 20,000 req/s the
// runtime's timers gave a lag p50 of 41-48 µs against 188-199 µs, and
// 37-40 µs of CPU per request against 55. At 12,500 req/s the process still
// idles between hits, and the runtime's timers (millisecond sleeps, see
// runtimeTimer) more than tripled the lag p50, so below that the timerfd
// stays.
const busyGap = 67 * time.Microsecond

// waitFor is how to wait for a slot due gap after the one before it.
func waitFor(gap time.Duration) wait {
	return wait{early: spinAhead(gap), busy: gap > 0 && gap < busyGap}
}

// newWakeTimer returns the timer for a pacing mode.
func newWakeTimer(pacing string) wakeTimer {
	if pacing != PacingCoarse {
		if t, err := newPreciseTimer(); err == nil {
			return t
		}
	}
	return newRuntimeTimer()
}

// runtimeTimer is a Go timer: cheap, but only millisecond-accurate when
// the process is idle (the netpoller sleeps in whole milliseconds, see
// golang/go#53824).
type runtimeTimer struct {
	timer *time.Timer
	stop  chan struct{}
}

func newRuntimeTimer() *runtimeTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &runtimeTimer{timer: t, stop: make(chan struct{}, 1)}
}

func (w *runtimeTimer) until(t time.Time, _ wait) bool {
	for {
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		w.timer.Reset(d)
		select {
		case <-w.timer.C:
		case <-w.stop:
			w.timer.Stop()
			return false
		}
	}
}

func (w *runtimeTimer) interrupt() {
	select {
	case w.stop <- struct{}{}:
	default:
	}
}

func (w *runtimeTimer) close() { w.timer.Stop() }
