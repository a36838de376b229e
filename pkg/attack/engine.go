package attack

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// run is one execution of an Attacker. There is no pacer goroutine: each
// worker claims the next slot in due order from the dispenser, waits on its
// own precise timer until the slot is due, sends, records, and claims
// again. A hit costs one timer wake-up and one network wake-up, both on
// the goroutine that sends, and a slot is never handed to a worker that is
// busy, so it waits only if every worker is in flight.
//
// Why not vegeta's loop: it releases each slot from one pacer goroutine to
// a worker over a channel (two wake-ups per hit), sleeps on the runtime's
// millisecond timers, and starts one more worker, and so one more
// connection, for every slot that finds all workers busy: with a target
// that stalls, that is a connection per waiting slot, without bound
// (vegeta issues #344, #583). Here a controller grows workers only while
// the backlog of waiting slots does not shrink between two checks and
// every worker is in flight: the target needs more concurrency (Little's
// law: rate x service time), rather than the generator having been
// descheduled for a moment, after which the backlog drains by itself. A
// controller that itself wakes late sees a starved generator and does not
// grow either.
// Growth is at most a quarter per step, up to MaxWorkers. Slots that wait
// keep their intended time, so the wait is charged as latency, and past
// the waiting caps they are dropped and counted as missed.
//
// The invariant that makes intended-time latency honest: the worker that
// holds slot n waits until the clock has passed began+Due(n) before it
// stamps Sent and sends, so hit n is never sent before slot n is due, and
// Sent-Intended is the true dispatch lag.
type run struct {
	a      *Attacker
	began  time.Time
	record func(*Result)
	disp   *dispenser

	workers sync.WaitGroup
	mu      sync.Mutex // guards timers and nworkers
	timers  []wakeTimer
	nwork   uint64
	closed  bool

	sent     atomic.Uint64
	srcSent  []atomic.Uint64
	idle     atomic.Int64 // workers claiming or holding a slot not yet due
	inflight atomic.Int64
	peakFly  atomic.Int64
	peakG    atomic.Int64 // goroutines of the process, sampled by the controller

	recMu sync.Mutex // serialises record calls
	ended time.Time  // latest response end, under recMu
}

// Engine tuning, from the measurements in BENCHMARKS.md.
const (
	// growAfter is how long the first unclaimed slot must have been due,
	// with every worker in flight, before the controller adds workers.
	// Shorter waits are the normal jitter of a busy target.
	growAfter = time.Millisecond
	// starvedAfter: a controller check that wakes this late means the
	// generator itself is short of CPU; more workers would not help (the
	// backlog is loadgen's, not the target's), so it does not grow.
	starvedAfter = 2 * time.Millisecond
	// growStep bounds growth per controller step to a quarter of the
	// workers (at least one): a generator hiccup adds a few workers, a
	// slow target gets its concurrency within tens of milliseconds.
	growStep = 4
)

// spawn starts one worker unless closed or at the cap.
func (r *run) spawn() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.nwork >= r.a.opts.MaxWorkers {
		return false
	}
	t := newWakeTimer(r.a.opts.Pacing)
	r.timers = append(r.timers, t)
	r.nwork++
	r.workers.Add(1)
	r.idle.Add(1) // it claims first thing
	go r.work(t)
	return true
}

// shutdown stops claiming and wakes every waiting worker.
func (r *run) shutdown() {
	r.disp.close()
	r.mu.Lock()
	r.closed = true
	ts := r.timers
	r.mu.Unlock()
	for _, t := range ts {
		t.interrupt()
	}
}

// control grows the workers while slots wait and every worker is in
// flight, ends claiming at the end of the duration or on Stop, and
// returns when every worker has finished.
func (r *run) control(du time.Duration, initial uint64) {
	a := r.a
	done := make(chan struct{})
	for range initial {
		r.spawn()
	}
	go func() { r.workers.Wait(); close(done) }()
	r.peakG.Store(int64(runtime.NumGoroutine()))
	// An open schedule ends when the dispenser has handed out every slot
	// due within the duration, waiting ones included (their wait is
	// latency); a closed one (rate 0) at the duration.
	var end time.Time
	if du > 0 && !r.a.scs[0].Schedule.Open() {
		end = r.began.Add(du)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var prev uint64 // slots waiting at the previous check
	for {
		now := time.Now()
		if !end.IsZero() && !now.Before(end) {
			break
		}
		// Check again when the first unclaimed slot has been due for
		// growAfter; if it is in the past already, in growAfter.
		wake := now.Add(growAfter)
		if nd, ok := r.disp.nextDue(); ok && nd.Add(growAfter).After(wake) {
			wake = nd.Add(growAfter)
		}
		if !end.IsZero() && wake.After(end) {
			wake = end
		}
		timer.Reset(time.Until(wake))
		select {
		case <-done:
			r.shutdown()
			return
		case <-a.stopch:
			r.shutdown()
			<-done
			return
		case <-timer.C:
		}
		if g := int64(runtime.NumGoroutine()); g > r.peakG.Load() {
			r.peakG.Store(g)
		}
		now = time.Now()
		w := r.disp.waiting(now)
		grow := w > 0 && prev > 0 && w >= prev && r.idle.Load() == 0
		prev = w
		if now.Sub(wake) > starvedAfter {
			grow, prev = false, 0
		}
		if !grow {
			continue
		}
		r.mu.Lock()
		n := r.nwork
		r.mu.Unlock()
		add := min(w, max(1, n/growStep))
		for range add {
			if !r.spawn() {
				break
			}
		}
	}
	r.shutdown()
	<-done
}

// work claims slots and sends each no earlier than it is due. Its Result
// is reused for every hit, so the steady state allocates nothing here.
func (r *run) work(t wakeTimer) {
	defer r.workers.Done()
	a := r.a
	conn := a.sender.newConn()
	res := new(Result)
	for {
		s, ok := r.disp.claim(time.Now())
		if !ok {
			r.idle.Add(-1)
			return
		}
		if !s.intended.IsZero() && !t.until(s.intended) {
			if r.stoppedBefore(s.intended) {
				r.idle.Add(-1)
				return // the attack stopped before this slot was due
			}
			// Woken by the end of claiming, not by Stop: the slot is due
			// within the duration, so it still goes, on time.
			for d := time.Until(s.intended); d > 0; d = time.Until(s.intended) {
				time.Sleep(d)
			}
		}
		r.idle.Add(-1)
		if r.stoppedBefore(s.intended) {
			return
		}
		r.sent.Add(1)
		r.srcSent[s.src].Add(1)
		fly := r.inflight.Add(1)
		for p := r.peakFly.Load(); fly > p && !r.peakFly.CompareAndSwap(p, fly); p = r.peakFly.Load() {
		}
		*res = Result{Seq: s.n, Scenario: s.src, Waited: s.waited}
		conn.send(s.target, s.n, res)
		r.inflight.Add(-1)
		res.Intended = res.Sent
		if !s.intended.IsZero() && s.intended.Before(res.Sent) {
			res.Intended = s.intended
		}
		res.Lag = res.Sent.Sub(res.Intended)
		res.Service = res.End.Sub(res.Sent)
		res.Latency = res.End.Sub(res.Intended)
		r.recMu.Lock()
		if res.End.After(r.ended) {
			r.ended = res.End
		}
		r.record(res)
		r.recMu.Unlock()
		r.idle.Add(1)
	}
}

// stoppedBefore reports whether Stop came before instant t.
func (r *run) stoppedBefore(t time.Time) bool {
	select {
	case <-r.a.stopch:
	default:
		return false
	}
	r.a.mu.Lock()
	defer r.a.mu.Unlock()
	return !r.a.stoppedAt.After(t) || t.IsZero()
}
