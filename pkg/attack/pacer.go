package attack

import (
	"sync"
	"sync/atomic"
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
	// on time for less CPU (see waitFor), and an alarm keeps the process
	// from sleeping whole milliseconds between them (see alarm).
	PacingPrecise = "precise"
	// PacingCoarse waits on the runtime's own timers at every rate: on an
	// idle process they fire on millisecond boundaries, so below ~15,000
	// req/s slots leave up to about 1 ms late (never early), in small
	// bursts. It wakes once per millisecond for several slots: on one P
	// that is 0.58x precise pacing's CPU per request at 5,000 req/s and
	// 0.72x at 1,000 (on two Ps about the same; BENCHMARKS.md).
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
// stays. Above it the process still idles at times, and then sleeps whole
// milliseconds too: the alarm bounds those sleeps.
const busyGap = 67 * time.Microsecond

// waitFor is how to wait for a slot due gap after the one before it.
func waitFor(gap time.Duration) wait {
	return wait{early: spinAhead(gap), busy: gap > 0 && gap < busyGap}
}

// newWakeTimer returns the timer for a pacing mode. A precise timer's busy
// waits tell al (which may be nil) when they are due.
func newWakeTimer(pacing string, al *alarm) wakeTimer {
	if pacing != PacingCoarse {
		if t, err := newPreciseTimer(al); err == nil {
			return t
		}
	}
	return newRuntimeTimer()
}

// alarmPeriod is how often the alarm fires while busy waits are pending.
// On the 2-vCPU box of BENCHMARKS.md at 20,000 req/s, 100 µs left 3.5-5.8 %
// of slots more than 200 µs late, 50 µs 10.8-11.6 % (its own wake-ups
// queue with the sends) and 200 µs 5.9-7.2 %; without an alarm it was
// 24.7-32.4 %.
const alarmPeriod = 100 * time.Microsecond

// An alarm keeps the process from sleeping whole milliseconds while
// workers wait on the runtime's timers (busy waits). A busy process checks
// those timers at every scheduling point, but at 15,000-20,000 req/s it
// is busy only part of the time: when both Ps run out of work, the runtime
// sleeps in epoll_wait until its next timer, in whole milliseconds
// (golang/go#53824), and on the box of BENCHMARKS.md 14-49 % of the slots
// left more than 200 µs late, 5-15 % more than 1 ms. So, while a busy
// wait is due, one goroutine waits on a timerfd (a precise timer) in
// alarmPeriod steps: its expiry ends the runtime's sleep, and the runtime
// then runs the timers that are due. When no busy wait is due (lower
// rates, or a backlog, where slots are due before they are claimed) it
// parks and costs nothing.
//
// One alarm for the process, not a timerfd per wait alongside the runtime
// timer: that cost a timerfd expiry per hit (BENCHMARKS.md). The alarm's
// goroutine has to run at each tick: a periodic timerfd that nothing
// reads, in the netpoller's edge-triggered epoll, reports its first
// expiry and then none until it is read.
type alarm struct {
	t     wakeTimer
	base  time.Time    // monotonic origin of until
	until atomic.Int64 // the latest busy wait's instant, ns since base
	// parked and until are a Dekker pair: expect stores until and then
	// loads parked, run stores parked and then loads until, so at least
	// one of them sees the other and a wait is never left without ticks.
	parked atomic.Bool
	kick   chan struct{} // wakes a parked alarm; holds at most one
	stop   chan struct{}
	once   sync.Once
	ticks  atomic.Uint64 // alarm wake-ups, for tests
}

// newAlarm returns the alarm for a pacing mode: none for coarse pacing or
// without a timerfd.
func newAlarm(pacing string) *alarm {
	if pacing == PacingCoarse {
		return nil
	}
	t, err := newPreciseTimer(nil)
	if err != nil {
		return nil
	}
	return &alarm{t: t, base: time.Now(), kick: make(chan struct{}, 1), stop: make(chan struct{})}
}

// expect tells the alarm that a busy wait is due at t.
func (a *alarm) expect(t time.Time) {
	if a == nil {
		return
	}
	ns := int64(t.Sub(a.base))
	for {
		u := a.until.Load()
		if ns <= u || a.until.CompareAndSwap(u, ns) {
			break
		}
	}
	if a.parked.Load() {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// run fires the alarm every alarmPeriod until the latest busy wait's
// instant, parks until the next one, and returns when closed.
func (a *alarm) run() {
	defer a.t.close()
	for {
		if time.Since(a.base) >= time.Duration(a.until.Load()) {
			a.parked.Store(true)
			if time.Since(a.base) >= time.Duration(a.until.Load()) {
				select {
				case <-a.kick:
				case <-a.stop:
					return
				}
			}
			a.parked.Store(false)
			continue
		}
		if !a.t.until(time.Now().Add(alarmPeriod), wait{}) {
			return
		}
		a.ticks.Add(1)
	}
}

// close stops the alarm; run returns.
func (a *alarm) close() {
	if a == nil {
		return
	}
	a.once.Do(func() {
		close(a.stop)
		a.t.interrupt()
	})
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
