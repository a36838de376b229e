package attack

import (
	"time"
)

// Pacing modes (Options.Pacing).
const (
	// PacingPrecise (the default, also "") wakes the worker that holds a
	// slot at its due time with a nanosecond-armed timer read through the
	// runtime's netpoller (timerfd on Linux): dispatch lag of tens of µs
	// without parking an OS thread per hit.
	PacingPrecise = "precise"
	// PacingCoarse waits on the runtime's own timers: on an idle process
	// they fire on millisecond boundaries, so slots leave up to about 1 ms
	// late (never early), in small bursts, for no less CPU than precise
	// pacing since its syscalls are raw (BENCHMARKS.md).
	PacingCoarse = "coarse"
)

// wakeTimer waits, for one worker, until an instant. Each worker owns one,
// so a hit costs one wake-up, on the goroutine that sends it.
type wakeTimer interface {
	// until returns once t has passed (true), never earlier, or when
	// interrupt is called (false).
	until(t time.Time) bool
	// interrupt makes a wait in progress, or the next one, return false.
	interrupt()
	close()
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

func (w *runtimeTimer) until(t time.Time) bool {
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
