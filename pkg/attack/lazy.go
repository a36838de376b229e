package attack

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// DefaultAhead is how many targets a TargetStream reads ahead of the
// attack when StreamOptions.Ahead is 0: about 2 MB of typical targets,
// 4 s of slots at 1,000/s and 80 ms at 50,000/s, so a producer that
// hiccups briefly does not make slots late.
const DefaultAhead = 4096

// ErrStopped is returned to a slot waiting for a target of a stream the
// attack has stopped reading.
var ErrStopped = errors.New("target stream stopped")

// ErrLazy is wrapped by the errors of options a lazy target stream cannot
// be combined with.
var ErrLazy = errors.New("lazy targets")

// LazyTarget is one target of a TargetStream, as a hit carries it
// (Result.Lazy): the target, its number in the stream (Result.Target),
// the line it starts on, its own group name ("" for none) and the tag
// StreamOptions.OnRead gave it.
type LazyTarget struct {
	vegeta.Target
	Seq   uint64
	Line  int
	Group string
	// Tag is set by StreamOptions.OnRead (an endpoint group, say), before
	// any hit sees the target.
	Tag int

	errPfx string // net/http's `Get "url": ` for the target
}

// StreamOptions configure a TargetStream.
type StreamOptions struct {
	// Ahead bounds the targets read but not yet taken by a slot (0:
	// DefaultAhead). With the targets in flight (at most MaxWorkers), it
	// bounds the stream's memory whatever its length.
	Ahead int
	// OnRead, if set, is called for each target as it is read, in order,
	// on the stream's reading goroutine: it may set Tag. An error ends the
	// stream with it (at the target's line).
	OnRead func(*LazyTarget) error
}

// TargetStream reads targets from a stream as the attack needs them:
// vegeta's -lazy, for a stream that never ends (a generator piped in) or a
// file too large to hold. Each slot takes the next target, once: there is
// no round-robin, and the attack ends when the stream does.
//
// A goroutine reads and decodes up to Ahead targets ahead, with the same
// rules and "name:line" errors as ReadTargets, so a slow producer is seen
// early and a fast one costs bounded memory. Targets are taken in slot
// order; a slot whose target is not read yet when due waits for it (the
// wait is in its latency) and is counted in Outcome.TargetsLate.
type TargetStream struct {
	name string
	o    StreamOptions

	mu       sync.Mutex
	readable *sync.Cond // a target was read, or the stream ended or stopped
	writable *sync.Cond // a target was taken, or the stream stopped
	ring     []*LazyTarget
	read     uint64 // targets read (the next one's Seq)
	taken    uint64 // targets taken by slots, in order
	end      error  // io.EOF or the problem that ended reading (after read targets)
	stopped  bool
	// late counts slots that were due before their target was read;
	// waiters the slots waiting for their target now.
	late    uint64
	waiters int
}

// NewTargetStream starts reading src (named name in errors) in vegeta's
// format (FormatHTTP or FormatJSON); hdr and body are defaults that
// targets may override, as in ReadTargets. The caller closes src, if it
// must, after the attack; Stop ends the reading goroutine unless it is
// blocked in src.Read.
func NewTargetStream(src io.Reader, name, format string, hdr http.Header, body []byte, o StreamOptions) (*TargetStream, error) {
	if format != FormatHTTP && format != FormatJSON && format != "" {
		return nil, fmt.Errorf("unknown targets format %q: want http or json", format)
	}
	if o.Ahead <= 0 {
		o.Ahead = DefaultAhead
	}
	s := &TargetStream{name: name, o: o, ring: make([]*LazyTarget, o.Ahead)}
	s.readable = sync.NewCond(&s.mu)
	s.writable = sync.NewCond(&s.mu)
	go s.run(src, format, hdr, body)
	return s, nil
}

// run reads targets into the ring until the end of src, a problem, or Stop.
func (s *TargetStream) run(src io.Reader, format string, hdr http.Header, body []byte) {
	err := eachTarget(src, s.name, format, hdr, body, func(t vegeta.Target, c chunk) error {
		lt := &LazyTarget{Target: t, Line: c.line, Group: c.group, errPfx: errPrefix(t.Method, t.URL)}
		s.mu.Lock()
		lt.Seq = s.read
		s.mu.Unlock()
		if s.o.OnRead != nil {
			if err := s.o.OnRead(lt); err != nil {
				return fmt.Errorf("%s:%d: %w", s.name, c.line, err)
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for !s.stopped && s.read-s.taken >= uint64(len(s.ring)) {
			s.writable.Wait()
		}
		if s.stopped {
			return ErrStopped
		}
		s.ring[s.read%uint64(len(s.ring))] = lt
		s.read++
		s.readable.Broadcast()
		return nil
	})
	if err == nil {
		err = io.EOF
	}
	s.mu.Lock()
	s.end = err
	s.readable.Broadcast()
	s.mu.Unlock()
}

// Peek waits for the first target (without taking it): the attack picks
// its client from it. It returns an error wrapping ErrNoTargets for an
// empty stream, or the stream's problem.
func (s *TargetStream) Peek() (*LazyTarget, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.read == 0 && s.end == nil && !s.stopped {
		s.readable.Wait()
	}
	switch {
	case s.taken < s.read:
		return s.ring[s.taken%uint64(len(s.ring))], nil
	case s.read == 0 && s.end == io.EOF:
		return nil, fmt.Errorf("%s: %w found", s.name, ErrNoTargets)
	case s.end != nil:
		return nil, s.end
	}
	return nil, ErrStopped
}

// take returns target seq, waiting until it is read; it is called with
// consecutive seq (the dispenser hands them out in order), each once.
// late says whether it had to wait. It fails with io.EOF past the end of
// the stream, with the stream's problem, or with ErrStopped.
func (s *TargetStream) take(seq uint64) (lt *LazyTarget, waited bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for seq >= s.read && s.end == nil && !s.stopped {
		waited = true
		s.waiters++
		s.readable.Wait()
		s.waiters--
	}
	if seq < s.read && seq >= s.taken {
		i := seq % uint64(len(s.ring))
		lt, s.ring[i] = s.ring[i], nil
		// Slots take in order, but workers run concurrently: the ring
		// frees the contiguous prefix taken so far.
		for s.taken < s.read && s.ring[s.taken%uint64(len(s.ring))] == nil {
			s.taken++
		}
		s.writable.Signal()
		return lt, waited, nil
	}
	if s.stopped {
		return nil, waited, ErrStopped
	}
	return nil, waited, s.end
}

// noteLate counts a slot whose target came after it was due.
func (s *TargetStream) noteLate() {
	s.mu.Lock()
	s.late++
	s.mu.Unlock()
}

// Stop ends the reading and wakes every slot waiting for a target.
func (s *TargetStream) Stop() {
	s.mu.Lock()
	s.stopped = true
	s.readable.Broadcast()
	s.writable.Broadcast()
	s.mu.Unlock()
}

// Read is how many targets were read so far.
func (s *TargetStream) Read() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read
}

// Err is what ended the stream: nil while it is being read, io.EOF at
// its end, or the problem (a bad line, "name:line: ...").
func (s *TargetStream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}
