package attack

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
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
	// TLS options are then the transport's business). It implies ClientNet.
	Transport http.RoundTripper

	// Pool, if set, keeps the client and its warm connections for the next
	// attack (see NewPool). Abort closes every connection of the pool and
	// leaves it unusable.
	Pool *Pool
	// Client is ClientAuto (also ""), ClientNet or ClientFast.
	Client string
	// Pacing is PacingCoarse (also "") or PacingPrecise.
	Pacing string

	// Start, if set, is the time origin of the schedule: slot n is due at
	// Start+Due(n) instead of at the moment Run is called. Shards of one
	// attack share it, so their slots interleave into the one schedule.
	// A Start in the past makes the slots already due late (their lag is
	// charged as latency); callers wait for it first.
	Start time.Time

	// Shard and Shards select this generator's share of the schedule: it
	// sends only the slots n with n mod Shards == Shard, each at its own
	// Due(n), with targets round-robin over the global slot number, and
	// counts due and missed slots of its share only (Shards 0 or 1: all).
	Shard, Shards uint64
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
	// Workers is how many workers were started (they grow when every
	// worker is busy at a slot's time); Conns the most connections open
	// at once (0 with a custom Options.Transport). Each costs memory.
	Workers uint64
	Conns   int
}

// Attacker runs one attack; it is not reusable.
type Attacker struct {
	targets []vegeta.Target
	sched   Schedule
	opts    Options
	tracker *connTracker
	client  string
	sender  sender

	stopOnce sync.Once
	stopch   chan struct{}

	mu        sync.Mutex
	stoppedAt time.Time
	aborted   bool
}

// New prepares an attack of targets (round-robin by slot) at schedule s.
func New(targets []vegeta.Target, s Schedule, o Options) (*Attacker, error) {
	if len(targets) == 0 {
		return nil, ErrNoTargets
	}
	if !s.Open() && o.MaxWorkers == vegeta.DefaultMaxWorkers {
		return nil, optionErr("MaxWorkers", "an unbounded rate (0) needs a cap on workers to bound concurrency")
	}
	if o.Duration == 0 && s.End() == 0 && !s.Open() {
		return nil, optionErr("Duration", "an unbounded rate (0) needs a duration")
	}
	if o.Timeout <= 0 {
		return nil, optionErr("Timeout", "timeout must be positive, got %s", o.Timeout)
	}
	if o.Shards > 1 && o.Shard >= o.Shards {
		return nil, fmt.Errorf("shard %d of %d: %w", o.Shard, o.Shards, ErrBadShard)
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = vegeta.DefaultMaxWorkers
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	o.Workers = min(o.Workers, o.MaxWorkers)
	if o.Pacing != "" && o.Pacing != PacingCoarse && o.Pacing != PacingPrecise {
		return nil, optionErr("Pacing", "unknown pacing %q: want coarse or precise", o.Pacing)
	}
	kind, err := resolveClient(o, targets)
	if err != nil {
		return nil, err
	}
	targets = append([]vegeta.Target(nil), targets...)
	t := newConnTracker()
	if o.Pool != nil {
		t = o.Pool.tracker
	}
	a := &Attacker{
		targets: targets,
		sched:   s,
		opts:    o,
		tracker: t,
		client:  kind,
		stopch:  make(chan struct{}),
	}
	if kind == ClientFast {
		fs := newFastSender(o, targets, t)
		if o.Pool != nil {
			fs.client = o.Pool.share(ClientFast, fs.client).(*fasthttp.Client)
		}
		a.sender = fs
	} else {
		c := newClient(o, t)
		if o.Pool != nil {
			c = o.Pool.share(ClientNet, c).(*http.Client)
		}
		a.sender = &netSender{client: c, targets: targets, name: o.Name, maxBody: o.MaxBody}
	}
	return a, nil
}

// Client is the HTTP client that sends: ClientNet or ClientFast.
func (a *Attacker) Client() string { return a.client }

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
	a.stopOnce.Do(func() { close(a.stopch) })
}

// Abort stops sending and fails the requests in flight at once.
func (a *Attacker) Abort() {
	a.Stop()
	a.mu.Lock()
	a.aborted = true
	a.mu.Unlock()
	a.tracker.abort()
}

// Run attacks until the duration or schedule ends, Stop or Abort is called,
// or ctx is done (which stops gracefully). record is called for every hit,
// never concurrently, in completion order; the *Result is only valid during
// the call. It returns when every response has arrived.
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
	du := a.Duration()
	began := time.Now()
	if !a.opts.Start.IsZero() {
		began = a.opts.Start
	}
	r := &run{a: a, began: began, record: record, open: a.sched.Open()}
	if a.opts.Pacing == PacingPrecise {
		r.lookahead = lookahead
	}
	ticks := make(chan slot)
	r.pace(ticks, du)
	close(ticks)
	r.workers.Wait()

	out := Outcome{Began: r.began, Ended: r.ended, Sent: r.sent.Load()}
	if out.Ended.IsZero() { // stopped before the first slot
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
	if r.open {
		out.Due = a.sched.Hits(out.Sending)
		if out.Due != math.MaxUint64 {
			out.Due = shardCount(out.Due, a.opts.Shard, a.opts.Shards)
		}
		if out.Due == math.MaxUint64 || out.Due < out.Sent {
			out.Due = out.Sent
		}
	} else {
		out.Due = out.Sent
	}
	out.Missed = out.Due - out.Sent
	out.WireIn, out.WireOut = a.tracker.in.Load()-in0, a.tracker.out.Load()-out0
	out.Workers, out.Conns = r.peakWorkers, a.tracker.peakConns()
	return out
}
