package coordinator

import "time"

// clockSample is one request/response exchange with the coordinator, as
// NTP reads it: t0 the shard's send, t1 the coordinator's receive, t2 its
// send, t3 the shard's receive (Unix ns, each on its own clock).
type clockSample struct{ t0, t1, t2, t3 int64 }

// offset is the coordinator's clock minus the shard's, assuming the
// request and the reply took equally long: ((t1-t0)+(t2-t3))/2. Its error
// is at most half the round trip.
func (s clockSample) offset() time.Duration {
	return time.Duration(((s.t1 - s.t0) + (s.t2 - s.t3)) / 2)
}

// rtt is the round trip less the coordinator's own time: (t3-t0)-(t2-t1).
func (s clockSample) rtt() time.Duration {
	return time.Duration((s.t3 - s.t0) - (s.t2 - s.t1))
}

// bestSample is NTP's clock filter in its simplest form: the sample with
// the shortest round trip has the smallest error bound.
func bestSample(ss []clockSample) (clockSample, bool) {
	if len(ss) == 0 {
		return clockSample{}, false
	}
	best := ss[0]
	for _, s := range ss[1:] {
		if s.rtt() < best.rtt() {
			best = s
		}
	}
	return best, true
}

// localInstant converts an instant on the coordinator's clock (Unix ns) to
// this process's clock, as a time.Time that carries a monotonic reading,
// so waiting for it is immune to wall-clock steps.
func localInstant(coordUnixNano int64, offset time.Duration) time.Time {
	now := time.Now()
	return now.Add(time.Duration(coordUnixNano - int64(offset) - now.UnixNano()))
}
