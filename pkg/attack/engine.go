package attack

import (
	"errors"
	"math"
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
// is more than the idle workers will take (the target needs more concurrency, rather
// than the generator having been descheduled for a moment, after which
// the backlog drains by itself); only up to what Little's law says the
// target needs (see need), by as many as wait at once; and, while the
// generator itself is short of CPU (its timers fire late, its goroutines
// queue for a CPU) and the target is not much slower than those delays,
// by at most a quarter per step to no more than starvedCap (see growth),
// never past MaxWorkers. Slots that wait keep their intended time, so the
// wait is charged as latency, and past the waiting caps they are dropped
// and counted as missed.
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

	alarm *alarm // nil for coarse pacing

	mu       sync.Mutex // guards timers, nwork, peakWork, closed and live
	timers   []wakeTimer
	nwork    uint64
	peakWork uint64
	closed   bool
	// live is how many workers are running; the last to leave closes
	// finished, and no worker starts after that. (A sync.WaitGroup cannot
	// say this: the controller could Add a worker after every worker had
	// left and Wait had returned, which the race detector reported when a
	// -lazy stream ran out.)
	live     int
	finished chan struct{}
	// retire is how many workers should leave: the controller sets it when
	// the load has needed far fewer for retireEvery, and each worker
	// between hits takes one (see retiring).
	retire  atomic.Int64
	retired atomic.Uint64

	sent     atomic.Uint64
	srcSent  []atomic.Uint64
	idle     atomic.Int64 // workers claiming or holding a slot not yet due
	inflight atomic.Int64
	peakFly  atomic.Int64
	peakG    atomic.Int64 // goroutines of the process, sampled by the controller

	// streamEnd is what ended the attack's target stream while it ran.
	endMu     sync.Mutex
	streamEnd error

	recMu sync.Mutex // serialises record calls
	ended time.Time  // latest response end, under recMu
	// busySum and busyN (under recMu) add up the time workers were busy
	// with their hits (service time plus recording) since the controller
	// last looked, busy is the last mean it took, and lastEnd when the
	// latest response arrived (unix ns): the controller's Little's-law
	// estimate of the concurrency the target needs.
	busySum time.Duration
	busyN   int64
	busy    time.Duration // controller only
	lastEnd atomic.Int64
	// plag is an exponentially weighted mean of the pacing's own lag (ns)
	// over hits that did not wait for a worker: how late the workers'
	// timers fire. When it is high the generator is short of CPU.
	plag atomic.Int64
}

// Engine tuning, from the measurements in BENCHMARKS.md.
const (
	// growAfter is how long the first unclaimed slot must have been due,
	// with every worker in flight, before the controller adds workers.
	// Shorter waits are the normal jitter of a busy target.
	growAfter = time.Millisecond
	// endDrain is how long after the duration slots due within it that are
	// still waiting may be sent.
	endDrain = time.Second
	// starvedLag: when the controller's timer, or on average the workers'
	// timers, fire this late, the generator is short of CPU: the backlog is
	// its own, and more workers and connections would only cost more. A
	// race build or a busy CI box is slower than this threshold allows
	// for, not starved.
	starvedLag = 5 * time.Millisecond
	// starvedCap is the most workers a generator short of CPU grows to.
	starvedCap = 64
	// starvedHold: how long growth stays capped after a sign of starvation.
	starvedHold = 50 * time.Millisecond
	// starvedSched: when 10 % of the goroutines made runnable since the
	// last check waited longer than this for a CPU, the generator is short
	// of CPU (normally they wait µs).
	starvedSched = time.Millisecond
	// plagWeight is the weight of the newest pacing lag in its mean
	// (1/plagWeight): smooth over tens of hits.
	plagWeight = 32
	// needHeadroom multiplies the Little's-law estimate of the workers the
	// target needs (rate x service time) to get the ceiling of growth.
	needHeadroom = 2
	// slowTarget: hits that take this many times longer than the
	// generator's own delays (scheduling, late timers) wait on the target,
	// not on the generator, so a generator short of CPU still grows for
	// them.
	slowTarget = 20
	// retireEvery is how often the controller looks back for workers the
	// load no longer needs: after a stall or a slow spell, or the hiccups
	// of a long run, workers and their memory return to what the load
	// needs (at least twice the most in flight over the period, Little's
	// law's need, and -workers).
	retireEvery = 5 * time.Second
	// growStep bounds growth per controller step, while the generator is
	// short of CPU, to a quarter of the workers (at least one).
	growStep = 4
)

// spawn starts one worker unless closed or at the cap.
func (r *run) spawn() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.nwork >= r.a.opts.MaxWorkers {
		return false
	}
	t := newWakeTimer(r.a.opts.Pacing, r.alarm)
	r.timers = append(r.timers, t)
	r.nwork++
	r.peakWork = max(r.peakWork, r.nwork)
	r.live++
	r.idle.Add(1) // it claims first thing
	go r.work(t)
	return true
}

// exit counts a worker out; the last one ends the run's workers for good.
func (r *run) exit() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live--
	if r.live == 0 {
		r.closed = true
		close(r.finished)
	}
}

// leave removes a retiring worker's timer and count.
func (r *run) leave(t wakeTimer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nwork--
	for i, x := range r.timers {
		if x == t {
			last := len(r.timers) - 1
			r.timers[i] = r.timers[last]
			r.timers = r.timers[:last]
			break
		}
	}
}

// retiring reports whether this worker should leave (taking one of the
// retirements asked for).
func (r *run) retiring() bool {
	for {
		n := r.retire.Load()
		if n <= 0 {
			return false
		}
		if r.retire.CompareAndSwap(n, n-1) {
			r.retired.Add(1)
			return true
		}
	}
}

// retirable is how many of n workers to retire when the most in flight
// over the last retireEvery was peak and Little's law needs need (which
// includes the initial workers): down to the larger of twice the peak
// and the need.
func retirable(n, need, peak uint64) uint64 {
	keep := max(need, 2*peak)
	if n <= keep {
		return 0
	}
	return n - keep
}

// shutdown stops claiming and wakes every waiting worker.
func (r *run) shutdown() {
	r.disp.close()
	if r.a.stream != nil {
		r.a.stream.Stop() // wakes workers waiting for a target
	}
	r.mu.Lock()
	r.closed = true
	ts := r.timers
	r.mu.Unlock()
	for _, t := range ts {
		t.interrupt()
	}
	r.alarm.close()
}

// control grows the workers while slots wait and every worker is in
// flight, ends claiming at the end of the duration or on Stop, and
// returns when every worker has finished.
func (r *run) control(du time.Duration, initial uint64) {
	a := r.a
	if r.alarm = newAlarm(a.opts.Pacing); r.alarm != nil {
		go r.alarm.run()
	}
	for range initial {
		r.spawn()
	}
	r.mu.Lock()
	if r.live == 0 && !r.closed { // none started (a worker cap of 0)
		r.closed = true
		close(r.finished)
	}
	done := r.finished
	r.mu.Unlock()
	r.peakG.Store(int64(runtime.NumGoroutine()))
	// Slots due within the duration that are still waiting for a worker
	// when it ends are sent for up to endDrain more (late: their wait is
	// in their latency); what is left then counts as missed, due and never
	// sent at the end of the run. A closed schedule (rate 0) ends at the
	// duration.
	var end time.Time
	if du > 0 {
		end = r.began.Add(du + endDrain)
		if !r.a.scs[0].Schedule.Open() {
			end = r.began.Add(du)
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var prev uint64         // slots waiting at the previous check
	var calm time.Time      // no growth before this: the generator was short of CPU
	var short time.Duration // the largest sign of it since calm was last set
	// Retirement: the most in flight seen since lastRetire. A closed
	// schedule keeps every worker busy, and never retires.
	retires := r.a.scs[0].Schedule.Open()
	every := retireEvery
	if a.retireEvery > 0 {
		every = a.retireEvery
	}
	var peak int64
	lastRetire := r.began
	sched := newSchedLatency()
	// Start the scheduler's interval now: what the process's start-up
	// waited for a CPU is not the attack's.
	sched.quantile(0.9)
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
		// Idle workers hold the slots due next, so at a low rate after a
		// stall the next unclaimed slot can be seconds away: look back
		// for retirement on time all the same, and sample in flight in
		// between.
		if retires && wake.After(lastRetire.Add(every)) {
			wake = lastRetire.Add(every)
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
		if retires {
			peak = max(peak, r.inflight.Load())
			if now.Sub(lastRetire) >= every {
				r.mu.Lock()
				n := r.nwork
				r.mu.Unlock()
				need, _ := r.need(now)
				r.retire.Store(int64(retirable(n, need, uint64(max(peak, 0)))))
				peak, lastRetire = r.inflight.Load(), now
			}
		}
		// A controller that wakes late, workers whose timers fire late, or
		// goroutines queueing for a CPU mean a generator short of CPU:
		// for starvedHold after the last such sign (a busy box starves in
		// bursts) it grows to at most starvedCap workers. Past that, more
		// workers only cost memory and connections, and under a busy box
		// they took the lag to hundreds of ms; up to it, they still win
		// CPU from the process's own other goroutines (a collector reading
		// a flood). The scheduler's histogram is read at every check, so
		// each read covers one interval.
		sq, late, plag := sched.quantile(0.9), now.Sub(wake), time.Duration(r.plag.Load())
		if sq > starvedSched || late > starvedLag || plag > starvedLag {
			if !now.Before(calm) {
				short = 0
			}
			calm = now.Add(starvedHold)
			short = max(short, sq, late, plag)
		}
		// Slots that idle workers (claiming, or just spawned and not yet
		// scheduled) will take need no new worker; only the excess does.
		idle := uint64(max(r.idle.Load(), 0))
		grow := w > idle && prev > 0 && w >= prev
		prev = w
		if !grow {
			continue
		}
		r.mu.Lock()
		n := r.nwork
		r.mu.Unlock()
		need, svc := r.need(now)
		// Short of CPU, unless the target is the slow part: hits that take
		// slowTarget times longer than the generator's own delays are
		// waiting for the target (a slow or stalled target, whose first
		// hundreds of workers, spawned and dialling at once, queue for a
		// CPU themselves), and capping them would charge the target's
		// Little's law to the generator.
		starved := now.Before(calm) && svc < slowTarget*short
		add := growth(w-idle, n, need, starved)
		for range add {
			if !r.spawn() {
				break
			}
		}
	}
	r.shutdown()
	<-done
}

// growth is how many workers to add for excess slots waiting beyond the
// idle workers, with n workers and Little's law's need: as many as wait,
// up to the need, so a slow target gets its concurrency in a step or two.
// A generator short of CPU (starved) grows to at most starvedCap, by at
// most a quarter per step.
func growth(excess, n, need uint64, starved bool) uint64 {
	if starved {
		need = min(need, starvedCap)
	}
	if n >= need {
		return 0
	}
	add := min(excess, need-n)
	if starved {
		add = min(add, max(1, n/growStep))
	}
	return add
}

// need is Little's law: the workers the target needs at the current rate
// and the time a worker is busy per hit (returned too), with headroom, plus the initial
// workers. The busy time is the mean over the hits since the last call
// (Little's law wants the mean: at 40,000/s, a target whose median is 50 µs
// and whose tail is 1 ms needs the tail's workers too) or, while requests
// are in flight and none has come back for longer, the time since the last
// response (a target that has just slowed down or stalled). A generator
// short of CPU stretches every hit too; the starvation check, not this
// estimate, keeps it from growing.
func (r *run) need(now time.Time) (uint64, time.Duration) {
	rate := 0.0
	el := now.Sub(r.began)
	for _, sc := range r.a.scs {
		if sc.Schedule.Open() {
			rate += sc.Schedule.Rate(el)
		}
	}
	rate /= float64(r.disp.shards)
	r.recMu.Lock()
	if r.busyN > 0 {
		r.busy = r.busySum / time.Duration(r.busyN)
	}
	r.busySum, r.busyN = 0, 0
	r.recMu.Unlock()
	svc := r.busy
	since := now.Sub(r.began)
	if le := r.lastEnd.Load(); le > 0 {
		since = now.Sub(time.Unix(0, le))
	}
	if r.inflight.Load() > 0 && since > svc {
		svc = since
	}
	n := rate*svc.Seconds()*needHeadroom + float64(r.a.opts.Workers)
	if n >= float64(r.a.opts.MaxWorkers) {
		return r.a.opts.MaxWorkers, svc
	}
	return uint64(math.Ceil(n)), svc
}

// work claims slots and sends each no earlier than it is due. Its Result
// is reused for every hit, so the steady state allocates nothing here.
func (r *run) work(t wakeTimer) {
	defer r.exit()
	defer t.close()
	a := r.a
	conn := a.sender.newConn()
	res := new(Result)
	var tr *tracer
	if a.opts.Trace {
		tr = newTracer(a.opts.TraceSample, a.client == ClientNet)
	}
	for {
		if r.retiring() {
			r.idle.Add(-1)
			r.leave(t)
			return
		}
		s, ok := r.disp.claim(time.Now())
		if !ok {
			r.idle.Add(-1)
			return
		}
		var lz *LazyTarget
		if a.stream != nil {
			var err error
			if lz, err = r.takeTarget(s); err != nil {
				r.idle.Add(-1)
				return
			}
		}
		if !s.intended.IsZero() && !t.until(s.intended, waitFor(s.gap)) {
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
		if r.stoppedBefore(s.intended) && (lz == nil || !r.streamDone()) {
			// A target taken before its stream ended still goes: the
			// attack ends with its targets, not before (rate 0 has no due
			// times to tell them apart by).
			return
		}
		r.sent.Add(1)
		r.srcSent[s.src].Add(1)
		fly := r.inflight.Add(1)
		for p := r.peakFly.Load(); fly > p && !r.peakFly.CompareAndSwap(p, fly); p = r.peakFly.Load() {
		}
		*res = Result{Seq: s.n, Scenario: s.src, Waited: s.waited, Target: s.target, Lazy: lz}
		if tr != nil {
			tr.fill(res)
		}
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
		// A worker is busy from the send to here: the response, and
		// recording it behind the lock.
		r.busySum += time.Since(res.Sent)
		r.busyN++
		r.lastEnd.Store(res.End.UnixNano())
		if s.waited == 0 {
			old := r.plag.Load()
			r.plag.Store(old + (int64(res.Lag)-old)/plagWeight)
		}
		r.recMu.Unlock()
		r.idle.Add(1)
	}
}

// takeTarget takes slot s's target from the attack's stream, waiting for
// it to be read. A slot that was due before its target came is counted
// late. At the end of the stream (or a bad target in it), sending stops
// as of the slot's due time: the slots before it still go, on time.
func (r *run) takeTarget(s slot) (*LazyTarget, error) {
	st := r.a.stream
	lz, waited, err := st.take(uint64(s.target))
	if err == nil || errors.Is(err, ErrStopped) {
		// Late counts targets that came after their slot was due. A slot
		// the attack's end found still waiting got none: it is not late
		// but missed, if it was due (and it was never due if it lay past
		// the end of the stream).
		if err == nil && waited && !s.intended.IsZero() && time.Now().After(s.intended) {
			st.noteLate()
		}
		return lz, err
	}
	r.endMu.Lock()
	if r.streamEnd == nil {
		r.streamEnd = err
	}
	r.endMu.Unlock()
	at := s.intended
	if now := time.Now(); at.IsZero() || at.Before(now) {
		at = now
	}
	r.a.stopAt(at)
	return nil, err
}

// streamDone reports whether the target stream's end ended the attack.
func (r *run) streamDone() bool {
	r.endMu.Lock()
	defer r.endMu.Unlock()
	return r.streamEnd != nil
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
