package attack

import (
	"sync"
	"sync/atomic"
	"time"
)

// run is one execution of an Attacker: a pacer goroutine releases slot
// numbers at their due times to a pool of workers, like vegeta's attack
// loop, and each worker sends, times and records its hit itself.
//
// Why not vegeta's own loop: it sleeps with time.Sleep (millisecond
// granularity when idle), allocates a Result and an http.Request per hit,
// and passes every result through one more channel to a consumer. The
// contract is vegeta's: the Pacer semantics (Schedule), vegeta's Target and
// its round-robin, workers grown on demand up to MaxWorkers.
//
// The invariant that makes intended-time latency honest: the worker that
// holds slot n waits until the clock has passed began+Due(n) before it
// stamps Sent and sends, so hit n is never sent before slot n is due, and
// Sent-Intended is the true dispatch lag.
// endGrace is how long after the duration slots still due within it may
// leave; later, the rest count as missed.
const endGrace = 10 * time.Millisecond

type run struct {
	a      *Attacker
	began  time.Time
	open   bool
	record func(*Result)
	// lookahead: how early the pacer releases a slot to a worker, which
	// then sleeps precisely until it is due (0: coarse pacing).
	lookahead time.Duration

	workers sync.WaitGroup
	sent    atomic.Uint64 // hits actually sent

	peakWorkers uint64 // workers started, set when pacing ends

	recMu sync.Mutex // serialises record calls
	ended time.Time  // latest response end, under recMu
}

// slot is one hit handed to a worker: its number and when it is due (zero
// without an open schedule). The pacer computes the due time once; the
// worker reuses it.
type slot struct {
	n        uint64
	intended time.Time
}

// pace hands slot numbers to workers on ticks until the schedule or the
// duration ends or the attack is stopped. It releases slot n up to
// lookahead before it is due, on the runtime's cheap millisecond timers;
// the worker then waits out the rest precisely on its own thread (see
// work), so a hit costs one precise wake-up, on the goroutine that sends.
func (r *run) pace(ticks chan slot, du time.Duration) {
	a := r.a
	w := newWaiter(a.stopch)
	workers := a.opts.Workers
	defer func() { r.peakWorkers = workers }()
	for i := uint64(0); i < workers; i++ {
		r.spawn(ticks)
	}
	first, step := uint64(0), uint64(1)
	if a.opts.Shards > 1 {
		first, step = a.opts.Shard, a.opts.Shards
	}
	for n := first; ; n += step {
		// vegeta stops once the duration has elapsed; the grace keeps a
		// last slot due exactly at the end from being missed because a
		// timer fired a little late.
		if du > 0 && time.Since(r.began) > du+endGrace {
			return
		}
		s := slot{n: n}
		if r.open {
			due, ok := a.sched.Due(n)
			if !ok || (du > 0 && due > du) {
				return
			}
			s.intended = r.began.Add(due)
			if !w.until(s.intended.Add(-r.lookahead)) {
				return
			}
		}
		if workers < a.opts.MaxWorkers {
			select {
			case ticks <- s:
				continue
			case <-a.stopch:
				return
			default: // every worker is busy: start one more
				workers++
				r.spawn(ticks)
			}
		}
		select {
		case ticks <- s:
		case <-a.stopch:
			return
		}
	}
}

// shardCount is how many of the slot numbers 0..hits-1 belong to shard
// (slot n is shard n mod shards's).
func shardCount(hits, shard, shards uint64) uint64 {
	if shards <= 1 {
		return hits
	}
	if hits <= shard {
		return 0
	}
	return (hits-shard-1)/shards + 1
}

func (r *run) spawn(ticks <-chan slot) {
	r.workers.Add(1)
	go r.work(ticks)
}

// work sends the slots it receives, each no earlier than it is due. Its
// Result is reused for every hit, so the steady state allocates nothing
// here.
func (r *run) work(ticks <-chan slot) {
	defer r.workers.Done()
	a := r.a
	conn := a.sender.newConn()
	res := new(Result)
	nt := uint64(len(a.targets))
	for s := range ticks {
		intended := s.intended
		if !intended.IsZero() {
			waitUntil(intended)
		}
		if r.stoppedBefore(intended) {
			continue // released early, but the attack stopped before it was due
		}
		r.sent.Add(1)
		*res = Result{Seq: s.n}
		conn.send(int(s.n%nt), s.n, res)
		res.Intended = res.Sent
		if !intended.IsZero() && intended.Before(res.Sent) {
			res.Intended = intended
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
