package recording

import (
	"bufio"
	"path/filepath"
	"slices"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// slowest keeps the k slowest results it has seen in a fixed array, so
// that memory stays bounded and a result costs no allocation: one
// comparison with the fastest kept one when the array is full (most
// results), an O(k) scan when it replaces that one.
type slowest struct {
	kept    []kept // len k
	n       int    // entries in use
	fastest int    // index of the fastest kept entry once n == k
}

// kept is what an exemplar needs of a result. The error string is the
// result's own (immutable), so keeping it copies nothing.
type kept struct {
	intervalMs            int64 // start of its latency interval
	seq                   uint64
	intended              time.Time
	latency, service, lag time.Duration
	code                  uint16
	err                   string
	target                int
	lazy                  *attack.LazyTarget // a streamed target, kept with its exemplar (bounded: k)
	trace                 attack.TraceID
	sampled               bool
}

func newSlowest(k int) slowest { return slowest{kept: make([]kept, k)} }

func (s *slowest) add(r *attack.Result, intervalMs int64) {
	k := len(s.kept)
	if s.n == k && r.Latency <= s.kept[s.fastest].latency {
		return
	}
	i := s.n
	if s.n == k {
		i = s.fastest
	} else {
		s.n++
	}
	s.kept[i] = kept{intervalMs: intervalMs, seq: r.Seq, intended: r.Intended, latency: r.Latency, service: r.Service, lag: r.Lag,
		code: r.Code, err: r.Error, target: r.Target, lazy: r.Lazy, trace: r.TraceID, sampled: r.Sampled}
	if s.n == k {
		s.fastest = 0
		for j := 1; j < k; j++ {
			if s.kept[j].latency < s.kept[s.fastest].latency {
				s.fastest = j
			}
		}
	}
}

func (s *slowest) reset() { s.n = 0 }

// exemplars keeps the slowest requests of the open interval, which go to
// exemplars.jsonl as the interval closes, and of the whole run, which go
// to the summary.
type exemplars struct {
	cur, run slowest
	targets  []string // names of the attack's targets, by index
	groups   []string // endpoint group of each target, by index (nil: one group)
	// groupNames, with streamed targets, are the groups made so far (a
	// streamed target's group is its Tag).
	groupNames func() []string
	red        *runrecord.Redactor
	file       *runrecord.AtomicFile
	buf        *bufio.Writer
	out        *runrecord.ExemplarWriter
}

// newExemplars starts dir's exemplars.jsonl, keeping k per interval
// (0: runrecord.DefaultExemplars; at most runrecord.MaxExemplars).
// With groups (the group of each target), each exemplar names its group;
// red masks known secrets in their errors.
func newExemplars(dir string, k int, targets, groups []string, runID string, red *runrecord.Redactor) (*exemplars, error) {
	if k <= 0 {
		k = runrecord.DefaultExemplars
	}
	k = min(k, runrecord.MaxExemplars)
	f, err := runrecord.CreateAtomic(filepath.Join(dir, runrecord.ExemplarsFile))
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriter(f)
	out, err := runrecord.NewExemplarWriter(buf, runID)
	if err != nil {
		f.Discard()
		return nil, err
	}
	return &exemplars{cur: newSlowest(k), run: newSlowest(k), targets: targets, groups: groups, red: red,
		file: f, buf: buf, out: out}, nil
}

// commit puts exemplars.jsonl in place (ok) or discards it.
func (e *exemplars) commit(ok bool) error {
	if err := e.buf.Flush(); err != nil || !ok {
		e.file.Discard()
		return err
	}
	return e.file.Commit()
}

// add considers r, whose response ended in the interval starting at
// intervalMs.
func (e *exemplars) add(r *attack.Result, intervalMs int64) {
	e.cur.add(r, intervalMs)
	e.run.add(r, intervalMs)
}

// closeInterval writes the open interval's exemplars.
func (e *exemplars) closeInterval() error {
	list := e.list(&e.cur)
	e.cur.reset()
	return e.out.Write(list)
}

// slowestOfRun is the slowest requests of the whole run, slowest first.
func (e *exemplars) slowestOfRun() []runrecord.Exemplar { return e.list(&e.run) }

// list is s's entries as exemplars, slowest first.
func (e *exemplars) list(s *slowest) []runrecord.Exemplar {
	out := make([]runrecord.Exemplar, 0, s.n)
	var lazyGroups []string
	for _, k := range s.kept[:s.n] {
		x := runrecord.Exemplar{
			IntervalMs:     k.intervalMs,
			Intended:       k.intended.UTC(),
			Latency:        k.latency,
			ServiceLatency: k.service,
			DispatchLag:    k.lag,
			Status:         int(k.code),
			Target:         at(e.targets, k.target),
			Group:          at(e.groups, k.target),
			Seq:            k.seq,
		}
		if k.lazy != nil {
			// A streamed target is named from itself: its index is its
			// number in the stream, not a place in Targets.
			x.Target = k.lazy.Method + " " + e.red.Text(k.lazy.URL)
			if lazyGroups == nil && e.groupNames != nil {
				lazyGroups = e.groupNames()
			}
			x.Group = at(lazyGroups, k.lazy.Tag)
		}
		if k.err != "" {
			x.Error = runrecord.NormalizeError(e.red.Text(k.err))
		}
		if !k.trace.IsZero() {
			x.TraceID = k.trace.String()
			sampled := k.sampled
			x.Sampled = &sampled
		}
		out = append(out, x)
	}
	slices.SortFunc(out, runrecord.Slower)
	return out
}

// at is names[i], or "" when there is none.
func at(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return ""
}
