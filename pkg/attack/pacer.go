package attack

import "time"

// Pacing modes (Options.Pacing).
const (
	// PacingCoarse releases each slot on the runtime's timers: no extra
	// wake-ups, but on an idle process slots leave in bursts up to about
	// 1 ms late (each still at or after its due time), as with vegeta.
	PacingCoarse = "coarse"
	// PacingPrecise adds a precise sleep per hit: dispatch lag of tens of
	// µs, for one more thread wake-up per hit (about 35 µs of CPU per
	// request on a 2-vCPU VM).
	PacingPrecise = "precise"
)

// In precise pacing, waits happen in two stages. The pacer parks on a Go timer, which is
// cheap but, when the process is idle, only millisecond-accurate (the
// runtime's netpoller sleeps in whole milliseconds), and releases each slot
// lookahead early. The worker that takes the slot then sleeps the rest
// with waitUntil, which wakes within microseconds. Busy-waiting would be
// more precise still but burns a core, which on a small box is stolen from
// the target; a precise sleep on the pacer's own thread costs a second
// thread wake-up per hit (pacer, then worker).
const lookahead = 2 * time.Millisecond

// waiter waits until an instant or until stop is closed.
type waiter struct {
	timer *time.Timer
	stop  <-chan struct{}
}

func newWaiter(stop <-chan struct{}) *waiter {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{timer: t, stop: stop}
}

// until returns true once t has passed (never earlier), false if stopped.
func (w *waiter) until(t time.Time) bool {
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

// waitUntil returns once t has passed, sleeping precisely.
func waitUntil(t time.Time) {
	for d := time.Until(t); d > 0; d = time.Until(t) {
		fineSleep(d)
	}
}
