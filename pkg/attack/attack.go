package attack

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
)

// Options are vegeta's attack options, with vegeta's names and meanings.
type Options struct {
	Name     string        // attack name, sent as X-Vegeta-Attack
	Duration time.Duration // 0: until the schedule ends or Stop
	Workers  uint64        // initial workers
	// MaxWorkers caps workers, and so requests in flight and connections
	// per host (0: DefaultMaxWorkers; vegeta's default is unlimited).
	MaxWorkers     uint64
	Connections    int           // max idle connections per host
	MaxConnections int           // max connections per host (0: unlimited)
	Timeout        time.Duration // per request
	KeepAlive      bool
	HTTP2          bool
	H2C            bool
	Insecure       bool
	Redirects      int   // -1: do not follow
	MaxBody        int64 // bytes of each response body to keep; -1: all

	// How connections are made (vegeta's -laddr, -resolvers,
	// -unix-socket, -connect-to); both clients honour them.
	LocalAddr  net.IP              // source address (nil: any)
	Resolvers  []string            // DNS servers (IP[:port]) instead of the system's
	UnixSocket string              // connect to this Unix socket, whatever the URL's host
	ConnectTo  map[string][]string // a URL's "host:port" -> addresses to connect to instead, round-robin

	// HTTP details only net/http carries (ClientAuto then picks it):
	// vegeta's -chunked, -proxy-header and -cert/-key/-root-certs.
	Chunked     bool        // send bodies with chunked transfer encoding
	ProxyHeader http.Header // sent with CONNECT to a proxy
	TLS         *tls.Config // client certificates, root CAs; Insecure is applied on top

	// Transport replaces the HTTP transport (connection limits, HTTP/2 and
	// TLS options are then the transport's business). It implies ClientNet.
	Transport http.RoundTripper

	// Pool, if set, keeps the client and its warm connections for the next
	// attack (see NewPool). Abort closes every connection of the pool and
	// leaves it unusable.
	Pool *Pool
	// Client is ClientAuto (also ""), ClientNet or ClientFast.
	Client string
	// Pacing is PacingPrecise (also "") or PacingCoarse.
	Pacing string

	// Start, if set, is the time origin of the schedule: slot n is due at
	// Start+Due(n) instead of at the moment Run is called. Shards of one
	// attack share it, so their slots interleave into the one schedule.
	// A Start in the past makes the slots already due late (their lag is
	// charged as latency); callers wait for it first.
	Start time.Time

	// MaxWaiting caps the slots that are due but wait for a free worker;
	// past it the oldest are dropped and counted as missed (0: no count
	// cap). Whatever the cap, slots that have waited longer than Timeout
	// are dropped too: they could only have timed out. Waiting slots cost
	// no memory; the cap bounds the burst a recovering target receives.
	MaxWaiting uint64

	// Shard and Shards select this generator's share of the schedule: it
	// sends only the slots n with n mod Shards == Shard, each at its own
	// Due(n), with targets round-robin over the global slot number, and
	// counts due and missed slots of its share only (Shards 0 or 1: all).
	Shard, Shards uint64

	// Trace sends a W3C traceparent header (TraceparentHeader) with a fresh
	// trace id and span id on every request, replacing any given one, and
	// reports them in each Result.
	Trace bool
	// TraceSample is the fraction of traced requests (0..1) whose sampled
	// flag is set, asking the target's tracing to keep them; the others
	// still carry their ids (for log correlation). DefaultOptions: 1.
	TraceSample float64
}

// DefaultMaxWorkers bounds workers, and so requests in flight and
// connections per host, when Options.MaxWorkers is 0. It is enough for
// 2,000 req/s at 200 ms of service time (Little's law: 400 in flight) with
// room to spare, and small enough that a stalled target costs at most this
// many connections and goroutines (about 25 KiB each).
const DefaultMaxWorkers = 1024

// DefaultOptions are vegeta's defaults, except that response bodies are
// not kept: a load test reads and discards them.
func DefaultOptions() Options {
	return Options{
		Workers:     vegeta.DefaultWorkers,
		MaxWorkers:  DefaultMaxWorkers,
		Connections: vegeta.DefaultConnections,
		Timeout:     vegeta.DefaultTimeout,
		KeepAlive:   true,
		HTTP2:       true,
		Redirects:   vegeta.DefaultRedirects,
		MaxBody:     0,
		TraceSample: 1,
	}
}

// Result is one hit. Latency runs from the intended send time to the end of
// the response; Service from the actual send; Lag is Sent minus Intended.
// Waited is the part of Lag the slot spent due while every worker was in
// flight (waiting for a connection); the rest is the pacing's own lag.
// Scenario is the index of the slot's Scenario (0 with New).
type Result struct {
	Seq      uint64
	Scenario int
	Waited   time.Duration
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
	// Target is the index of the hit's target among the attack's targets
	// (every scenario's, in order), so a recorder can tell endpoints apart
	// (and an exemplar name its target) without keeping the request.
	// With a TargetStream it is the target's number in the stream, and
	// Lazy is the target itself.
	Target int
	Lazy   *LazyTarget
	// With Options.Trace: the trace context the request carried, and
	// whether its sampled flag was set. Zero without.
	TraceID TraceID
	SpanID  SpanID
	Sampled bool

	// traceparent is the header value for TraceID and SpanID as a
	// []string net/http can take as it is (see tracer); nil for fasthttp,
	// which formats it into its own buffer.
	traceparent []string
}

// Outcome says how an attack went as a whole.
type Outcome struct {
	Began   time.Time
	Ended   time.Time     // when the last response arrived
	Sending time.Duration // how long slots were being sent (to the stop)
	Sent    uint64
	Due     uint64 // slots due by the time sending stopped
	Missed  uint64 // Due - Sent: due but never sent
	// Dropped is the part of Missed dropped over the waiting caps
	// (Options.MaxWaiting, or waited longer than Timeout); the rest were
	// due when sending stopped.
	Dropped     uint64
	Interrupted bool // Stop or context cancellation ended it early
	Aborted     bool // Abort cut in-flight requests
	// Bytes received and sent on the wire by the attack's connections,
	// headers included (0 with a custom Options.Transport).
	WireIn, WireOut uint64
	// Workers is the most workers at once (they grow while slots wait
	// and every worker is in flight, up to MaxWorkers, and retire when the
	// load has needed far fewer for a while); Retired how many left
	// before the end; Conns the
	// most connections open at once (0 with a custom Options.Transport);
	// PeakInFlight the most requests in flight at once; PeakWaiting the
	// most slots due at once with no free worker. Each worker and
	// connection costs memory; waiting slots cost none.
	Workers      uint64
	Retired      uint64
	Conns        int
	PeakInFlight uint64
	PeakWaiting  uint64
	// PeakGoroutines is the most goroutines of the whole process seen by
	// the controller during the attack.
	PeakGoroutines int
	// Retries counts requests sent again on another connection: a kept-
	// alive connection found closed before the request was written (any
	// method), or an idempotent request whose connection failed before
	// the first response byte (net/http's rules, for both clients).
	Retries uint64
	// Scenarios has one entry per scenario, in order.
	Scenarios []ScenarioOutcome

	// With a TargetStream: TargetsRead is how many targets were read,
	// TargetsLate how many slots were due before their target was read
	// (sent late, the wait in their latency, or never sent), and
	// StreamEnd what ended the stream while the attack ran (io.EOF, or a
	// bad target as "name:line: problem"), which ended the attack early;
	// nil if the attack ended first.
	TargetsRead, TargetsLate uint64
	StreamEnd                error
}

// ScenarioOutcome is one scenario's share of an Outcome.
type ScenarioOutcome struct {
	Name                       string
	Sent, Due, Missed, Dropped uint64
}

// Attacker runs one attack; it is not reusable.
type Attacker struct {
	targets []vegeta.Target // every scenario's, concatenated
	stream  *TargetStream   // the targets, read as they are needed (nil: targets)
	scs     []Scenario
	tbase   []int // scenario i's targets start at targets[tbase[i]]
	opts    Options
	// retireEvery overrides the engine's retireEvery (tests).
	retireEvery time.Duration
	tracker     *connTracker
	client      string
	sender      sender

	stopOnce sync.Once
	stopch   chan struct{}

	live atomic.Pointer[run] // the run in progress, for Live

	mu        sync.Mutex
	stoppedAt time.Time
	aborted   bool
}

// New prepares an attack of targets (round-robin by slot) at schedule s.
func New(targets []vegeta.Target, s Schedule, o Options) (*Attacker, error) {
	return NewScenarios([]Scenario{{Schedule: s, Targets: targets}}, o)
}

// NewScenarios prepares one attack of several scenarios on one clock: each
// scenario's slot n is due at began+Due(n) of its own schedule and goes to
// its own targets; all share the workers, the connections and Options.
func NewScenarios(scs []Scenario, o Options) (*Attacker, error) {
	if len(scs) == 0 {
		return nil, ErrNoTargets
	}
	var all []vegeta.Target
	var tbase []int
	var stream *TargetStream
	for i, sc := range scs {
		if sc.Stream != nil {
			if len(scs) > 1 || len(sc.Targets) > 0 {
				return nil, fmt.Errorf("scenario %d %q: %w: a target stream is the attack's only targets (one scenario)", i, sc.Name, ErrLazy)
			}
			if o.Shards > 1 {
				return nil, fmt.Errorf("%w: a target stream is read by one generator; shards each need every target", ErrLazy)
			}
			stream = sc.Stream
			if sc.Schedule == nil {
				return nil, fmt.Errorf("scenario %d %q: no schedule", i, sc.Name)
			}
			if !sc.Schedule.Open() && o.Duration == 0 {
				return nil, optionErr("Duration", "an unbounded rate (0) needs a duration")
			}
			if !sc.Schedule.Open() && (o.MaxWorkers == 0 || o.MaxWorkers == vegeta.DefaultMaxWorkers) {
				return nil, optionErr("MaxWorkers", "an unbounded rate (0) needs a cap on workers to bound concurrency")
			}
			tbase = append(tbase, 0)
			continue
		}
		if len(sc.Targets) == 0 {
			return nil, fmt.Errorf("scenario %d %q: %w", i, sc.Name, ErrNoTargets)
		}
		if sc.Schedule == nil {
			return nil, fmt.Errorf("scenario %d %q: no schedule", i, sc.Name)
		}
		if !sc.Schedule.Open() {
			if len(scs) > 1 {
				return nil, fmt.Errorf("scenario %d %q: the unbounded rate (0) cannot share an attack", i, sc.Name)
			}
			if o.MaxWorkers == 0 || o.MaxWorkers == vegeta.DefaultMaxWorkers {
				return nil, optionErr("MaxWorkers", "an unbounded rate (0) needs a cap on workers to bound concurrency")
			}
			if o.Duration == 0 {
				return nil, optionErr("Duration", "an unbounded rate (0) needs a duration")
			}
		}
		tbase = append(tbase, len(all))
		all = append(all, sc.Targets...)
	}
	if o.Timeout <= 0 {
		return nil, optionErr("Timeout", "timeout must be positive, got %s", o.Timeout)
	}
	if o.Shards > 1 && o.Shard >= o.Shards {
		return nil, fmt.Errorf("shard %d of %d: %w", o.Shard, o.Shards, ErrBadShard)
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = DefaultMaxWorkers
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	o.Workers = min(o.Workers, o.MaxWorkers)
	if o.Trace && !(o.TraceSample >= 0 && o.TraceSample <= 1) {
		return nil, optionErr("TraceSample", "trace sample must be a fraction from 0 to 1, got %g", o.TraceSample)
	}
	if o.Pacing == "" {
		o.Pacing = PacingPrecise
	}
	if o.Pacing != PacingCoarse && o.Pacing != PacingPrecise {
		return nil, optionErr("Pacing", "unknown pacing %q: want precise or coarse", o.Pacing)
	}
	chooseBy := all
	if stream != nil {
		// The client is chosen before the first slot, from the first
		// target: later ones it cannot send fail with a clear error.
		first, err := stream.Peek()
		if err != nil {
			return nil, err
		}
		chooseBy = []vegeta.Target{first.Target}
	}
	kind, err := resolveClient(o, chooseBy)
	if err != nil {
		return nil, err
	}
	rt, err := newRoute(o)
	if err != nil {
		return nil, err
	}
	scs = append([]Scenario(nil), scs...)
	t := newConnTracker()
	if o.Pool != nil {
		t = o.Pool.begin()
	}
	a := &Attacker{
		stream:  stream,
		targets: all,
		scs:     scs,
		tbase:   tbase,
		opts:    o,
		tracker: t,
		client:  kind,
		stopch:  make(chan struct{}),
	}
	targets := all
	if kind == ClientFast {
		fs := newFastSender(o, targets, t, rt)
		if o.Pool != nil {
			fs.client = o.Pool.share(ClientFast, fs.client).(*fasthttp.Client)
		}
		a.sender = fs
	} else {
		c := newClient(o, t, rt)
		if o.Pool != nil {
			c = o.Pool.share(ClientNet, c).(*http.Client)
		}
		ns := &netSender{client: c, targets: targets, name: o.Name, maxBody: o.MaxBody, chunked: o.Chunked, tracker: t}
		for _, tg := range targets {
			ns.errPfx = append(ns.errPfx, errPrefix(tg.Method, tg.URL))
		}
		a.sender = ns
	}
	return a, nil
}

// MaxWorkers is the ceiling on workers this attack runs with.
func (a *Attacker) MaxWorkers() uint64 { return a.opts.MaxWorkers }

// Client is the HTTP client that sends: ClientNet or ClientFast.
func (a *Attacker) Client() string { return a.client }

// Duration is how long the attack sends: -duration, or the schedule's end,
// whichever is earlier (0: until stopped).
func (a *Attacker) Duration() time.Duration {
	var end time.Duration
	for _, sc := range a.scs {
		e := sc.Schedule.End()
		if e == 0 {
			end = 0
			break
		}
		end = max(end, e)
	}
	d := a.opts.Duration
	if d == 0 || (end > 0 && end < d) {
		return end
	}
	return d
}

// Stop stops sending; requests in flight finish (up to the timeout).
func (a *Attacker) Stop() { a.stopAt(time.Now()) }

// stopAt stops sending as of instant t: slots due before it still go.
func (a *Attacker) stopAt(t time.Time) {
	a.mu.Lock()
	if a.stoppedAt.IsZero() {
		a.stoppedAt = t
	}
	a.mu.Unlock()
	a.stopOnce.Do(func() { close(a.stopch) })
}

// Abort stops sending and fails the requests in flight at once. An
// attack on a shared Pool closes the pool for good: the attacks after it
// fail their dials.
func (a *Attacker) Abort() {
	if a.opts.Pool != nil {
		a.opts.Pool.close()
	}
	a.abort()
}

// abort is Abort for this attack alone: the watchdog's, which must leave a
// shared Pool usable for the attacks after it (a capacity search's next
// step), the way a user's Abort does not.
func (a *Attacker) abort() {
	a.Stop()
	a.mu.Lock()
	a.aborted = true
	a.mu.Unlock()
	a.tracker.abort()
}

// EndGrace is how long past the end of sending (the duration and the
// end drain, or Stop) plus the timeout an attack may take before its
// watchdog aborts the requests still in flight: every request ends within
// the timeout by its own deadline, so this only matters if a client fails
// to keep one. An attack with a duration thus always ends within
// duration + 1 s (the end drain, engine.go) + timeout + EndGrace.
const EndGrace = time.Second

// sendingEnds is how long after the start sending ends at the latest: the
// duration plus the end drain (none for a closed loop, which stops at the
// duration); 0 when the attack runs until stopped.
func (a *Attacker) sendingEnds(du time.Duration) time.Duration {
	if du == 0 || !a.scs[0].Schedule.Open() {
		return du
	}
	return du + endDrain
}

// watchdog aborts the attack if requests are still in flight EndGrace
// after they should all have ended: the end of sending plus the timeout.
func (a *Attacker) watchdog(began time.Time, sending time.Duration, done <-chan struct{}) {
	var end <-chan time.Time
	if sending > 0 {
		t := time.NewTimer(time.Until(began.Add(sending + a.opts.Timeout + EndGrace)))
		defer t.Stop()
		end = t.C
	}
	select {
	case <-done:
		return
	case <-end:
	case <-a.stopch:
		t := time.NewTimer(a.opts.Timeout + EndGrace)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-end:
		case <-t.C:
		}
	}
	a.abort()
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
	in0, out0, retries0 := a.tracker.in.Load(), a.tracker.out.Load(), a.tracker.retries.Load()
	du := a.Duration()
	r := a.newRun(record, du)
	r.began = time.Now()
	if !a.opts.Start.IsZero() {
		r.began = a.opts.Start
	}
	go a.watchdog(r.began, a.sendingEnds(du), done)
	a.live.Store(r)
	r.disp.start(r.began)
	initial := a.opts.Workers
	if !a.scs[0].Schedule.Open() {
		initial = a.opts.MaxWorkers // closed loop: every worker sends back to back
	}
	r.control(du, initial)

	out := Outcome{Began: r.began, Ended: r.ended, Sent: r.sent.Load()}
	if out.Ended.IsZero() { // stopped before the first slot
		out.Ended = out.Began
	}
	a.mu.Lock()
	stopped, aborted := a.stoppedAt, a.aborted
	a.mu.Unlock()
	out.Aborted = aborted
	out.Sending = du
	r.endMu.Lock()
	out.StreamEnd = r.streamEnd
	r.endMu.Unlock()
	if !stopped.IsZero() && (du == 0 || stopped.Sub(out.Began) < du) {
		// The end of a target stream ends the attack, as in vegeta, but
		// does not interrupt it: the run is complete, only shorter.
		out.Interrupted = out.StreamEnd == nil
		out.Sending = max(stopped.Sub(out.Began), 0)
	}
	if out.Sending == 0 { // no duration, no stop: sending ran to the last response
		out.Sending = out.Ended.Sub(out.Began)
	}
	for i, sc := range a.scs {
		so := ScenarioOutcome{Name: sc.Name, Sent: r.srcSent[i].Load(), Dropped: r.disp.srcs[i].dropped}
		so.Due = so.Sent + so.Dropped
		if sc.Schedule.Open() {
			if h := sc.Schedule.Hits(out.Sending); h != math.MaxUint64 {
				so.Due = max(shardCount(h, r.disp.shard, r.disp.shards), so.Sent+so.Dropped)
			}
		}
		if out.StreamEnd != nil {
			// No slot was due past the last target: there was none.
			so.Due = so.Sent + so.Dropped
		}
		so.Missed = so.Due - so.Sent
		out.Scenarios = append(out.Scenarios, so)
		out.Due += so.Due
		out.Dropped += so.Dropped
	}
	out.Missed = out.Due - out.Sent
	out.WireIn, out.WireOut = a.tracker.in.Load()-in0, a.tracker.out.Load()-out0
	out.Retries = a.tracker.retries.Load() - retries0
	r.mu.Lock()
	out.Workers = r.peakWork
	r.mu.Unlock()
	out.Retired = r.retired.Load()
	out.Conns = a.tracker.peakConns()
	out.PeakInFlight = uint64(r.peakFly.Load())
	out.PeakWaiting = r.disp.peakWaiting
	out.PeakGoroutines = int(r.peakG.Load())
	if a.stream != nil {
		a.stream.Stop()
		a.stream.mu.Lock()
		out.TargetsRead, out.TargetsLate = a.stream.read, a.stream.late
		a.stream.mu.Unlock()
	}
	return out
}

// newRun prepares a run: the dispenser of this attack's slots, with the
// horizon of the duration and the waiting caps.
func (a *Attacker) newRun(record func(*Result), du time.Duration) *run {
	shards := max(a.opts.Shards, 1)
	d := newDispenser(a.scs, a.tbase, a.opts.Shard%shards, shards, du)
	d.maxWaiting = a.opts.MaxWaiting
	d.maxWait = a.opts.Timeout
	return &run{a: a, record: record, disp: d, srcSent: make([]atomic.Uint64, len(a.scs)), finished: make(chan struct{})}
}
