package attack

import (
	crand "crypto/rand"
	"encoding/hex"
	"math"
	"math/rand/v2"
)

// TraceparentHeader is the W3C Trace Context header that Options.Trace
// adds to every request (https://www.w3.org/TR/trace-context/).
const TraceparentHeader = "traceparent"

// TraceID is a W3C trace id: 16 random bytes, written as 32 lowercase hex
// digits. The zero value means the request carried no trace context.
type TraceID [16]byte

// IsZero reports whether t is the zero (absent, invalid) trace id.
func (t TraceID) IsZero() bool { return t == TraceID{} }

// String is the trace id as 32 lowercase hex digits ("" when zero).
func (t TraceID) String() string {
	if t.IsZero() {
		return ""
	}
	return hex.EncodeToString(t[:])
}

// SpanID is a W3C parent id: 8 random bytes, 16 lowercase hex digits. It
// is the span the target's server span names as its parent.
type SpanID [8]byte

// String is the span id as 16 lowercase hex digits ("" when zero).
func (s SpanID) String() string {
	if s == (SpanID{}) {
		return ""
	}
	return hex.EncodeToString(s[:])
}

// traceparentLen is len("00-" + 32 hex + "-" + 16 hex + "-" + "01").
const traceparentLen = 55

// traceBatch is how many header values the tracer formats at once for
// net/http, which needs each as a string in a []string of its own:
// formatting a batch into one string and one slice turns two allocations
// per request into two per traceBatch requests (the strings are immutable,
// so a request that outlives its turn still reads its own). The fasthttp
// client formats the value into its own buffer instead, and its tracer
// keeps no batch: a worker's tracer is then a few hundred bytes, which
// matters when a stall grows the workers into the thousands.
const traceBatch = 64

// tracer makes the trace context of one worker's requests: a fresh random
// trace id and span id per request, the sampled flag for a fraction of
// them. It belongs to one worker, so it needs no lock; its generator is
// seeded from crypto/rand, so ids are unpredictable across workers and
// runs, as W3C Trace Context asks.
//
// Why not OpenTelemetry's SDK here: its ID generator and propagator work
// on a context.Context and an http.Header per request, which allocates on
// every hit, and loadgen sends on a zero-allocation path (fasthttp). The
// format is small and fixed; the demo target parses it with the SDK.
type tracer struct {
	rng       *rand.ChaCha8
	threshold uint64 // sampled when a random uint64 is below it
	always    bool   // sample = 1

	// With header strings (net/http): a batch of contexts and their
	// header values; next is the first unused one.
	strings bool
	next    int
	ids     []traceIDs
	vals    []string
	buf     []byte
}

type traceIDs struct {
	trace   TraceID
	span    SpanID
	sampled bool
}

// newTracer returns a tracer that sets the sampled flag on a fraction
// sample (0..1) of requests. With strings, each Result also gets its
// header value as a string (for net/http).
func newTracer(sample float64, strings bool) *tracer {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails on supported platforms (Go 1.24+)
	t := &tracer{
		rng:     rand.NewChaCha8(seed),
		always:  sample >= 1,
		strings: strings,
		next:    traceBatch,
	}
	if sample > 0 && !t.always {
		t.threshold = uint64(sample * math.MaxUint64)
	}
	if strings {
		t.ids = make([]traceIDs, traceBatch)
		t.buf = make([]byte, 0, traceBatch*traceparentLen)
	}
	return t
}

// fill gives r a fresh trace context (and, with strings, its header value).
func (t *tracer) fill(r *Result) {
	if !t.strings {
		var id traceIDs
		t.draw(&id)
		r.TraceID, r.SpanID, r.Sampled = id.trace, id.span, id.sampled
		return
	}
	if t.next == traceBatch {
		t.refill()
	}
	id := &t.ids[t.next]
	r.TraceID, r.SpanID, r.Sampled = id.trace, id.span, id.sampled
	// A slice of capacity one: net/http may append to a header's values,
	// which then copies instead of writing into the next request's value.
	r.traceparent = t.vals[t.next : t.next+1 : t.next+1]
	t.next++
}

// draw makes one fresh context.
func (t *tracer) draw(id *traceIDs) {
	for { // all-zero ids are invalid: draw again (odds 2^-64)
		put64(id.trace[:8], t.rng.Uint64())
		put64(id.trace[8:], t.rng.Uint64())
		put64(id.span[:], t.rng.Uint64())
		if !id.trace.IsZero() && id.span != (SpanID{}) {
			break
		}
	}
	id.sampled = t.always || (t.threshold > 0 && t.rng.Uint64() < t.threshold)
}

// refill draws a batch of contexts and formats their header values.
func (t *tracer) refill() {
	t.buf = t.buf[:0]
	for i := range t.ids {
		t.draw(&t.ids[i])
		t.buf = appendTraceparent(t.buf, t.ids[i].trace, t.ids[i].span, t.ids[i].sampled)
	}
	s := string(t.buf)
	t.vals = make([]string, traceBatch)
	for i := range t.vals {
		t.vals[i] = s[i*traceparentLen : (i+1)*traceparentLen]
	}
	t.next = 0
}

// appendTraceparent appends "00-<trace id>-<span id>-<flags>".
func appendTraceparent(b []byte, trace TraceID, span SpanID, sampled bool) []byte {
	b = append(b, "00-"...)
	b = hex.AppendEncode(b, trace[:])
	b = append(b, '-')
	b = hex.AppendEncode(b, span[:])
	if sampled {
		return append(b, "-01"...)
	}
	return append(b, "-00"...)
}

func put64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (56 - 8*i))
	}
}
