package attack

import (
	"math"
	"time"
)

// Live is a snapshot of an attack in progress, cheap enough to take on
// every scrape of a metrics endpoint: it reads counters the attack keeps
// anyway and adds nothing to the per-hit path.
type Live struct {
	Started bool   // Run has started
	Sent    uint64 // hits sent so far
	// Due is how many slots of the open schedules (this shard's share)
	// were due by now, capped at the attack's duration; Due - Sent slots
	// are waiting to be sent, and those still waiting when sending stops
	// count as missed. Closed (rate 0) scenarios count their sent hits.
	Due      uint64
	InFlight uint64 // sent, response not yet read
	Workers  uint64 // workers now
	Conns    int    // connections open now (0 with a custom Transport)
}

// Live reports how the attack stands now. It is safe to call from any
// goroutine, before, during and after Run.
func (a *Attacker) Live() Live {
	r := a.live.Load()
	if r == nil {
		return Live{}
	}
	l := Live{Started: true, Sent: r.sent.Load(), InFlight: uint64(max(r.inflight.Load(), 0)), Conns: a.tracker.openConns()}
	r.mu.Lock()
	l.Workers = r.nwork
	r.mu.Unlock()
	el := time.Since(r.began)
	if du := a.Duration(); du > 0 && el > du {
		el = du
	}
	a.mu.Lock()
	if st := a.stoppedAt; !st.IsZero() && st.Sub(r.began) < el {
		el = st.Sub(r.began)
	}
	a.mu.Unlock()
	el = max(el, 0)
	for i, sc := range a.scs {
		sent := r.srcSent[i].Load()
		due := sent
		if sc.Schedule.Open() {
			if h := sc.Schedule.Hits(el); h != math.MaxUint64 {
				due = max(shardCount(h, r.disp.shard, r.disp.shards), sent)
			}
		}
		l.Due += due
	}
	return l
}
