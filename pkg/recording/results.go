package recording

import (
	"bufio"
	"fmt"
	"io"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Result stream formats: vegeta's own encodings, so `vegeta report`,
// `vegeta plot`, `vegeta encode` and jaggr/jplot pipelines read them.
const (
	StreamGob  = "gob"  // what `vegeta attack` writes
	StreamJSON = "json" // `vegeta encode -to json`
	StreamCSV  = "csv"  // `vegeta encode -to csv`
)

// Sizes of the stream's buffer: results are copied into batches on the
// attack's recording path and encoded by one goroutine off it. At most
// streamBatches full batches wait; beyond that Add waits for the encoder
// (a slot that waits keeps its intended time, so latency stays honest).
const (
	streamBatch   = 256
	streamBatches = 64
)

// streamed is what a result stream keeps of one result until it is
// encoded: no pointers but the error message, which is not copied.
type streamed struct {
	seq      uint64
	intended time.Time
	latency  time.Duration
	code     uint16
	bytesIn  uint64
	bytesOut uint64
	err      string
	lazy     *attack.LazyTarget // a streamed target (nil: targets[seq mod n])
}

// Stream writes every result of an attack to w in one of vegeta's result
// encodings. Each vegeta.Result has the target's method and URL, the
// attack name, Seq, Code, bytes and Error as vegeta sets them, with one
// deliberate difference: Timestamp is the request's intended send time
// and Latency is measured from it, so vegeta's reports show latency free
// of coordinated omission (Timestamp+Latency is still when the response
// ended). Target URLs are redacted like the run record's; headers and
// bodies are not written. Add is cheap and allocation-free in the steady state; the
// encoding happens on a goroutine of its own. Add must not be called
// concurrently (the attack serialises its record callback).
type Stream struct {
	red     *runrecord.Redactor
	targets []vegeta.Target // URLs redacted
	name    string
	cur     []streamed
	full    chan []streamed
	free    chan []streamed
	done    chan struct{}
	err     error // set by the encoder before done is closed
	closed  bool
}

// NewStream starts a result stream of the attack's targets (round-robin
// by Seq, as the attack sends them) to w in format (StreamGob by default).
// Known secrets (red; nil: runrecord's rules alone) are masked in target
// URLs and error messages, as in the run record.
func NewStream(w io.Writer, format string, targets []vegeta.Target, name string, red *runrecord.Redactor) (*Stream, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	var enc vegeta.Encoder
	switch format {
	case StreamGob, "":
		enc = vegeta.NewEncoder(bw)
	case StreamJSON:
		enc = vegeta.NewJSONEncoder(bw)
	case StreamCSV:
		enc = vegeta.NewCSVEncoder(bw)
	default:
		return nil, fmt.Errorf("unknown result stream format %q: want gob, json or csv", format)
	}
	// No targets: they are streamed, each result carries its own.
	// The stream may go to stdout or be shared: URL secrets (passwords,
	// token-like query values) are masked as in the run record.
	masked := make([]vegeta.Target, len(targets))
	for i, t := range targets {
		masked[i] = vegeta.Target{Method: t.Method, URL: red.Text(t.URL)}
	}
	s := &Stream{
		red:     red,
		targets: masked,
		name:    name,
		full:    make(chan []streamed, streamBatches),
		free:    make(chan []streamed, streamBatches+1),
		done:    make(chan struct{}),
	}
	s.cur = make([]streamed, 0, streamBatch)
	go s.encode(enc, bw)
	return s, nil
}

// Add queues one result.
func (s *Stream) Add(r *attack.Result) {
	s.cur = append(s.cur, streamed{
		seq: r.Seq, intended: r.Intended, latency: r.Latency, code: r.Code,
		bytesIn: r.BytesIn, bytesOut: r.BytesOut, err: r.Error, lazy: r.Lazy,
	})
	if len(s.cur) == streamBatch {
		s.flush()
	}
}

func (s *Stream) flush() {
	if len(s.cur) == 0 {
		return
	}
	s.full <- s.cur
	select {
	case b := <-s.free:
		s.cur = b[:0]
	default:
		s.cur = make([]streamed, 0, streamBatch)
	}
}

// Close writes what is queued, flushes, and returns the first error the
// encoding met (the attack itself is never failed by its stream).
func (s *Stream) Close() error {
	if s.closed {
		return s.err
	}
	s.closed = true
	s.flush()
	close(s.full)
	<-s.done
	return s.err
}

func (s *Stream) encode(enc vegeta.Encoder, bw *bufio.Writer) {
	defer close(s.done)
	var (
		res                 vegeta.Result
		lastErr, lastMasked string
	)
	for batch := range s.full {
		for i := range batch {
			if s.err != nil {
				break // keep draining so Add never blocks on a dead writer
			}
			b := &batch[i]
			method, url := "", ""
			if b.lazy != nil {
				method, url = b.lazy.Method, s.red.Text(b.lazy.URL)
				b.lazy = nil // the batch is reused: let the target go
			} else if len(s.targets) > 0 {
				t := &s.targets[b.seq%uint64(len(s.targets))]
				method, url = t.Method, t.URL
			}
			masked := ""
			if b.err != "" {
				if b.err != lastErr {
					// Errors quote the request's URL; the same error comes
					// many times in a row, so mask it once per change.
					lastErr, lastMasked = b.err, s.red.Text(b.err)
				}
				masked = lastMasked
			}
			res = vegeta.Result{
				Attack:    s.name,
				Seq:       b.seq,
				Code:      b.code,
				Timestamp: b.intended,
				Latency:   b.latency,
				BytesOut:  b.bytesOut,
				BytesIn:   b.bytesIn,
				Error:     masked,
				Method:    method,
				URL:       url,
			}
			if err := enc.Encode(&res); err != nil {
				s.err = fmt.Errorf("result stream: %w", err)
			}
		}
		select {
		case s.free <- batch:
		default:
		}
	}
	if err := bw.Flush(); err != nil && s.err == nil {
		s.err = fmt.Errorf("result stream: %w", err)
	}
}
