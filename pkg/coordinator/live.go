package coordinator

import (
	"sort"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Progress is one merged interval of the live view.
type Progress struct {
	Interval time.Time     // start of the interval
	Elapsed  time.Duration // from the common start to the interval's end
	// Rate is completions per second in the interval, all shards.
	Rate float64
	// P99 is the interval's intended-time p99 over all shards (merged
	// histograms, not an average of per-shard p99s).
	P99    time.Duration
	Errors uint64
	// Requests and ErrorsSoFar count everything merged so far.
	Requests, ErrorsSoFar uint64
	Alive, Shards         int
	// Partial: some live shard had not reported this interval when it
	// was shown (it lags by more than maxLag intervals).
	Partial bool
}

// maxLag is how many intervals the live view waits for a slow shard
// before it shows an interval without it; it also bounds the view's
// memory to a few intervals' histograms, whatever the run's length.
const maxLag = 4

// liveMerge merges the shards' intervals as they arrive, for the live
// view only: the record is merged from the shards' own records at the end.
type liveMerge struct {
	mu       sync.Mutex
	interval time.Duration
	window   map[int64]*liveInterval
	last     map[int]int64 // per live shard: start of its latest interval
	shown    int64         // start of the latest interval shown
	requests uint64
	errors   uint64
}

type liveInterval struct {
	series runrecord.Series
	n      uint64
	errors uint64
}

func newLiveMerge(shards int, interval time.Duration) *liveMerge {
	m := &liveMerge{interval: interval, window: map[int64]*liveInterval{}, last: map[int]int64{}}
	for i := range shards {
		m.last[i] = 0
	}
	return m
}

func (m *liveMerge) add(shard int, iv interval, s runrecord.Series) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, live := m.last[shard]; live {
		m.last[shard] = max(m.last[shard], iv.StartMs)
	}
	m.requests += iv.N
	m.errors += iv.Errors
	if iv.StartMs <= m.shown {
		return // shown already without it
	}
	li := m.window[iv.StartMs]
	if li == nil {
		m.window[iv.StartMs] = &liveInterval{series: s.Clone(), n: iv.N, errors: iv.Errors}
		return
	}
	li.series.Merge(s)
	li.n += iv.N
	li.errors += iv.Errors
}

// forget stops waiting for a shard (lost, or its record is in).
func (m *liveMerge) forget(shard int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.last, shard)
}

// flush shows, oldest first, every interval that all live shards have
// reported, and any that more than maxLag newer intervals have passed.
func (m *liveMerge) flush(alive func() (int, int), show func(Progress), start time.Time) {
	m.mu.Lock()
	var ready []int64
	var newest int64
	for t := range m.window {
		newest = max(newest, t)
	}
	complete := int64(-1)
	for _, t := range m.last {
		if complete < 0 || t < complete {
			complete = t
		}
	}
	lagLimit := newest - maxLag*m.interval.Milliseconds()
	for t := range m.window {
		if complete < 0 || t <= complete || t <= lagLimit {
			ready = append(ready, t)
		}
	}
	sort.Slice(ready, func(i, j int) bool { return ready[i] < ready[j] })
	var out []Progress
	for _, t := range ready {
		li := m.window[t]
		delete(m.window, t)
		m.shown = max(m.shown, t)
		end := time.UnixMilli(t).Add(m.interval)
		out = append(out, Progress{
			Interval:    time.UnixMilli(t),
			Elapsed:     max(end.Sub(start), 0),
			Rate:        float64(li.n) / m.interval.Seconds(),
			P99:         time.Duration(li.series.Latency.ValueAtPercentile(99)),
			Errors:      li.errors,
			Requests:    m.requests,
			ErrorsSoFar: m.errors,
			Partial:     complete >= 0 && t > complete,
		})
	}
	m.mu.Unlock()
	if show == nil || len(out) == 0 {
		return
	}
	a, n := alive()
	for _, p := range out {
		p.Alive, p.Shards = a, n
		show(p)
	}
}
