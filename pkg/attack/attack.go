package attack

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Options are vegeta's attack options, with vegeta's names and meanings.
type Options struct {
	Name           string        // attack name, sent as X-Vegeta-Attack
	Duration       time.Duration // 0: until the schedule ends or Stop
	Workers        uint64        // initial workers
	MaxWorkers     uint64        // cap on workers; caps concurrency
	Connections    int           // max idle connections per host
	MaxConnections int           // max connections per host (0: unlimited)
	Timeout        time.Duration // per request
	KeepAlive      bool
	HTTP2          bool
	H2C            bool
	Insecure       bool
	Redirects      int   // -1: do not follow
	MaxBody        int64 // bytes of each response body to keep; -1: all

	// Transport replaces the HTTP transport (connection limits, HTTP/2 and
	// TLS options are then the transport's business).
	Transport http.RoundTripper

	// Pool, if set, keeps the client and its warm connections for the next
	// attack (see NewPool). Abort closes every connection of the pool and
	// leaves it unusable.
	Pool *Pool
}

// DefaultOptions are vegeta's defaults, except that response bodies are
// not kept: a load test reads and discards them.
func DefaultOptions() Options {
	return Options{
		Workers:     vegeta.DefaultWorkers,
		MaxWorkers:  vegeta.DefaultMaxWorkers,
		Connections: vegeta.DefaultConnections,
		Timeout:     vegeta.DefaultTimeout,
		KeepAlive:   true,
		HTTP2:       true,
		Redirects:   vegeta.DefaultRedirects,
		MaxBody:     0,
	}
}

// Result is one hit. Latency runs from the intended send time to the end of
// the response; Service from the actual send; Lag is Sent minus Intended.
type Result struct {
	Seq      uint64
	Intended time.Time
	Sent     time.Time
	End      time.Time
	Latency  time.Duration
	Service  time.Duration
	Lag      time.Duration
	Code     uint16
	Error    string
	BytesIn  uint64
	BytesOut uint64
}

// Outcome says how an attack went as a whole.
type Outcome struct {
	Began       time.Time
	Ended       time.Time     // when the last response arrived
	Sending     time.Duration // how long slots were being sent (to the stop)
	Sent        uint64
	Due         uint64 // slots due by the time sending stopped
	Missed      uint64 // Due - Sent: due but never sent
	Interrupted bool   // Stop or context cancellation ended it early
	Aborted     bool   // Abort cut in-flight requests
	// Bytes received and sent on the wire by the attack's connections,
	// headers included (0 with a custom Options.Transport).
	WireIn, WireOut uint64
}

// Attacker runs one attack; it is not reusable.
type Attacker struct {
	targeter vegeta.Targeter
	sched    Schedule
	opts     Options
	tracker  *connTracker
	vat      *vegeta.Attacker

	mu        sync.Mutex
	stoppedAt time.Time
	aborted   bool
}

// New prepares an attack of targets (round-robin) at schedule s.
func New(targets []vegeta.Target, s Schedule, o Options) (*Attacker, error) {
	if len(targets) == 0 {
		return nil, errors.New("no targets")
	}
	if !s.Open() && o.MaxWorkers == vegeta.DefaultMaxWorkers {
		return nil, errors.New("an unbounded rate (0) needs -max-workers to bound concurrency")
	}
	if o.Duration == 0 && s.End() == 0 && !s.Open() {
		return nil, errors.New("an unbounded rate (0) needs -duration")
	}
	if o.Timeout <= 0 {
		return nil, fmt.Errorf("timeout must be positive, got %s", o.Timeout)
	}
	t := newConnTracker()
	if o.Pool != nil {
		t = o.Pool.tracker
	}
	client := newClient(o, t)
	if o.Pool != nil {
		client = o.Pool.share("net", client).(*http.Client)
	}
	workers := o.Workers
	if workers == 0 {
		workers = 1
	}
	vat := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(o.MaxWorkers),
		vegeta.MaxBody(o.MaxBody),
	)
	return &Attacker{
		targeter: vegeta.NewStaticTargeter(targets...),
		sched:    s,
		opts:     o,
		tracker:  t,
		vat:      vat,
	}, nil
}

// Duration is how long the attack sends: -duration, or the schedule's end,
// whichever is earlier (0: until stopped).
func (a *Attacker) Duration() time.Duration {
	d, end := a.opts.Duration, a.sched.End()
	if d == 0 || (end > 0 && end < d) {
		return end
	}
	return d
}

// Stop stops sending; requests in flight finish (up to the timeout).
func (a *Attacker) Stop() {
	a.mu.Lock()
	if a.stoppedAt.IsZero() {
		a.stoppedAt = time.Now()
	}
	a.mu.Unlock()
	a.vat.Stop()
}

// Abort stops sending and fails the requests in flight at once.
func (a *Attacker) Abort() {
	a.Stop()
	a.mu.Lock()
	a.aborted = true
	a.mu.Unlock()
	a.tracker.abort()
}

// startPacer learns vegeta's private start time from the first Pace call,
// which vegeta makes with elapsed = time.Since(start).
type startPacer struct {
	Schedule
	began time.Time
}

func (p *startPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.began.IsZero() {
		p.began = time.Now().Add(-elapsed)
	}
	return p.Schedule.Pace(elapsed, hits)
}

// Run attacks until the duration or schedule ends, Stop or Abort is called,
// or ctx is done (which stops gracefully). record is called for every hit,
// from a single goroutine, in completion order. It returns when every
// response has arrived.
func (a *Attacker) Run(ctx context.Context, record func(*Result)) Outcome {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			a.Stop()
		case <-done:
		}
	}()

	// A shared Pool counts bytes for every attack that used it.
	in0, out0 := a.tracker.in.Load(), a.tracker.out.Load()
	p := &startPacer{Schedule: a.sched}
	du := a.Duration()
	var (
		out Outcome
		r   Result
	)
	open := a.sched.Open()
	for vr := range a.vat.Attack(a.targeter, p, du, a.opts.Name) {
		// The first result comes after the first Pace call (through vegeta's
		// channels), so p.began is set and visible here.
		out.Sent++
		r = Result{
			Seq:      vr.Seq,
			Sent:     vr.Timestamp,
			Service:  vr.Latency,
			End:      vr.Timestamp.Add(vr.Latency),
			Code:     vr.Code,
			Error:    vr.Error,
			BytesIn:  vr.BytesIn,
			BytesOut: vr.BytesOut,
		}
		r.Intended = r.Sent
		if open {
			if due, ok := a.sched.Due(vr.Seq); ok {
				if in := p.began.Add(due); in.Before(r.Sent) {
					r.Intended = in
				}
			}
		}
		r.Lag = r.Sent.Sub(r.Intended)
		r.Latency = r.End.Sub(r.Intended)
		if r.End.After(out.Ended) {
			out.Ended = r.End
		}
		record(&r)
	}

	out.Began = p.began
	if out.Began.IsZero() { // stopped before the first slot
		out.Began = time.Now()
		out.Ended = out.Began
	}
	a.mu.Lock()
	stopped, aborted := a.stoppedAt, a.aborted
	a.mu.Unlock()
	out.Aborted = aborted
	out.Sending = du
	if !stopped.IsZero() && (du == 0 || stopped.Sub(out.Began) < du) {
		out.Interrupted = true
		out.Sending = max(stopped.Sub(out.Began), 0)
	}
	if out.Sending == 0 { // no duration, no stop: sending ran to the last response
		out.Sending = out.Ended.Sub(out.Began)
	}
	if open {
		out.Due = a.sched.Hits(out.Sending)
		if out.Due == math.MaxUint64 || out.Due < out.Sent {
			out.Due = out.Sent
		}
	} else {
		out.Due = out.Sent
	}
	out.Missed = out.Due - out.Sent
	out.WireIn, out.WireOut = a.tracker.in.Load()-in0, a.tracker.out.Load()-out0
	return out
}
