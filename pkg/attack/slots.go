package attack

import (
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scenario is one stream of slots in an attack: a schedule and the targets
// its slots go to, round-robin by slot number. Several scenarios can share
// one attack (NewScenarios): one clock, one pool of workers and
// connections, one record; slot n of each is due at its own Due(n).
type Scenario struct {
	Name     string
	Schedule Schedule
	Targets  []vegeta.Target
	// Stream, instead of Targets, reads the targets as the attack goes
	// (vegeta's -lazy): slot after slot takes the next one, and the
	// attack ends when the stream does. It needs an attack of one
	// scenario and one shard.
	Stream *TargetStream
}

// slot is one hit a worker claimed: which scenario, its slot number in
// that scenario's schedule, and when it is due (zero without an open
// schedule).
type slot struct {
	src      int
	n        uint64
	target   int // index into the attack's targets
	intended time.Time
	// waited is how long the slot had been due when a worker claimed it:
	// the time it waited for a free worker (connection).
	waited time.Duration
	// gap is how long after the slot handed out before it this one is
	// due (its share of the schedule's time): it decides how its worker
	// waits (waitFor).
	gap time.Duration
}

// dispenser hands out slots in due order across scenarios, to whichever
// worker is free: the queue of slots waiting for a worker is implicit (the
// schedules' slot numbers not yet claimed), so a backlog costs no memory
// and every waiting slot keeps its intended time. It applies the shard
// selector (slot n belongs to shard n mod shards) and the cap on waiting
// slots. Its clock is passed in, so it can be tested without timing.
type dispenser struct {
	mu      sync.Mutex
	began   time.Time
	srcs    []srcState
	shard   uint64
	shards  uint64
	horizon time.Duration // no slot due after it is released (0: none)
	// maxWaiting caps slots due but not yet claimed, per scenario; past it
	// the oldest are dropped as missed (0: no cap).
	maxWaiting uint64
	// maxWait drops slots that have waited longer than this (0: no limit).
	maxWait time.Duration
	done    bool
	lastDue time.Duration // due time of the slot handed out last

	peakWaiting uint64
}

type srcState struct {
	sched   Schedule
	open    bool
	tbase   int // first of its targets in the attack's targets
	tcount  uint64
	lazy    bool          // targets come from a TargetStream, one per slot
	ticket  uint64        // with lazy: the stream number of the next slot's target
	next    uint64        // next slot number to hand out
	due     time.Duration // Due(next)
	more    bool          // next exists (and is within the horizon)
	claimed uint64        // slots handed out
	dropped uint64        // slots dropped over the waiting caps
}

func newDispenser(scs []Scenario, tbase []int, shard, shards uint64, horizon time.Duration) *dispenser {
	if shards == 0 {
		shards = 1
	}
	d := &dispenser{shard: shard, shards: shards, horizon: horizon}
	for i, sc := range scs {
		s := srcState{sched: sc.Schedule, open: sc.Schedule.Open(), tbase: tbase[i], tcount: uint64(len(sc.Targets)), lazy: sc.Stream != nil, next: shard}
		d.load(&s)
		d.srcs = append(d.srcs, s)
	}
	return d
}

// load caches the due time of s.next.
func (d *dispenser) load(s *srcState) {
	if !s.open {
		s.due, s.more = 0, true
		return
	}
	s.due, s.more = s.sched.Due(s.next)
	if s.more && d.horizon > 0 && s.due > d.horizon {
		s.more = false
	}
}

// start fixes the attack's start instant: every due time is an offset
// from it.
func (d *dispenser) start(began time.Time) {
	d.mu.Lock()
	d.began = began
	d.mu.Unlock()
}

// claim hands out the next slot in due order across scenarios, given the
// time now; ok is false once no slot is left (end of the schedules, the
// horizon, or close).
func (d *dispenser) claim(now time.Time) (s slot, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return slot{}, false
	}
	el := now.Sub(d.began)
	best := -1
	for i := range d.srcs {
		src := &d.srcs[i]
		if !src.more {
			continue
		}
		if src.open && src.due < el {
			d.shed(src, el)
			if !src.more {
				continue
			}
		}
		if best < 0 || src.due < d.srcs[best].due {
			best = i
		}
	}
	if best < 0 {
		return slot{}, false
	}
	src := &d.srcs[best]
	s = slot{src: best, n: src.next}
	if src.lazy {
		// Slots dropped over the waiting caps take no target: the
		// stream's targets go, in order, to the slots that are sent.
		s.target = int(src.ticket)
		src.ticket++
	} else {
		s.target = src.tbase + int(src.next%src.tcount)
	}
	if src.open {
		s.intended = d.began.Add(src.due)
		if w := el - src.due; w > 0 {
			s.waited = w
		}
		s.gap = max(0, src.due-d.lastDue)
		d.lastDue = src.due
	}
	src.claimed++
	src.next += d.shards
	d.load(src)
	return s, true
}

// waiting returns the slots due by el not yet handed out, per scenario
// summed, and records the peak. Called with d.mu held.
func (d *dispenser) waitingLocked(el time.Duration) uint64 {
	var w uint64
	for i := range d.srcs {
		w += d.srcs[i].backlog(d.within(el), d.shard, d.shards)
	}
	d.peakWaiting = max(d.peakWaiting, w)
	return w
}

// waiting is the number of slots due by now that no worker has taken.
func (d *dispenser) waiting(now time.Time) uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return 0
	}
	return d.waitingLocked(now.Sub(d.began))
}

// backlog: this shard's slots of s due by el and not yet handed out.
func (s *srcState) backlog(el time.Duration, shard, shards uint64) uint64 {
	if !s.open || !s.more || s.due > el {
		return 0
	}
	due := shardCount(s.sched.Hits(el), shard, shards)
	have := shardCount(s.next, shard, shards)
	if due <= have {
		return 1 // s.next itself is due (Hits rounds down at the boundary)
	}
	return due - have
}

// shardCount is how many of the slot numbers 0..hits-1 belong to shard.
func shardCount(hits, shard, shards uint64) uint64 {
	if hits <= shard {
		return 0
	}
	return (hits-shard-1)/shards + 1
}

// shed drops waiting slots past the caps: beyond maxWaiting of them, or
// due more than maxWait ago. They count as missed (dropped).
func (d *dispenser) shed(s *srcState, el time.Duration) {
	w := s.backlog(d.within(el), d.shard, d.shards)
	d.peakWaiting = max(d.peakWaiting, w)
	var skip uint64
	if d.maxWaiting > 0 && w > d.maxWaiting {
		skip = w - d.maxWaiting
	}
	if d.maxWait > 0 && el-s.due > d.maxWait {
		// Slots due at or before el-maxWait have waited too long.
		old := shardCount(s.sched.Hits(d.within(el-d.maxWait)), d.shard, d.shards)
		have := shardCount(s.next, d.shard, d.shards)
		if old > have {
			skip = max(skip, old-have)
		}
	}
	if skip == 0 {
		return
	}
	s.dropped += skip
	s.next += skip * d.shards
	d.load(s)
}

// within clamps el to the horizon: slots past it never exist, so a claim
// that comes after it (a starved generator draining its backlog late)
// must neither count them waiting nor drop them as missed.
func (d *dispenser) within(el time.Duration) time.Duration {
	if d.horizon > 0 && el > d.horizon {
		return d.horizon
	}
	return el
}

// close ends claiming: workers asking for a slot get none.
func (d *dispenser) close() {
	d.mu.Lock()
	d.done = true
	d.mu.Unlock()
}

// nextDue is when the first slot not yet handed out is due (ok false if
// none is left or the schedules are closed).
func (d *dispenser) nextDue() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var best time.Duration
	found := false
	for i := range d.srcs {
		s := &d.srcs[i]
		if !s.open || !s.more || d.done {
			continue
		}
		if !found || s.due < best {
			best, found = s.due, true
		}
	}
	return d.began.Add(best), found
}
