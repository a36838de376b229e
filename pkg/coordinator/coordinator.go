package coordinator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// Defaults for Config fields left zero.
const (
	DefaultBarrierTimeout = 5 * time.Minute
	DefaultShardTimeout   = 15 * time.Second
	DefaultStartMargin    = time.Second
	// uploadGrace is how long after the last response could have arrived
	// the coordinator still waits for a live shard's record.
	uploadGrace = time.Minute
)

// Config configures a Coordinator.
type Config struct {
	// Plan is what every shard must match; Plan.Shards is how many
	// shards make the run.
	Plan Plan
	// PlanRecord is the plan as written to the merged run.json.
	PlanRecord runrecord.Plan
	Name       string
	// Labels are the user's key=value tags, kept in the merged run.json.
	Labels map[string]string
	// Schedule and Duration are the attack's (Duration 0: until the
	// schedule ends or the coordinator is stopped). The coordinator sends
	// nothing; it needs them to know when the run ends and how many slots
	// a lost shard left unsent.
	Schedule attack.Schedule
	Duration time.Duration
	// Timeout is the request timeout: how long after sending stops the
	// last responses may still arrive.
	Timeout time.Duration
	// Out is the merged record's directory; each shard's own record goes
	// to Out/shards/INDEX.
	Out string

	// BarrierTimeout bounds the wait for every shard to register; past
	// it the run is called off, naming the missing shards.
	BarrierTimeout time.Duration
	// ShardTimeout: a shard silent for this long is lost (it sends an
	// interval or a heartbeat every second or two).
	ShardTimeout time.Duration
	// StartMargin is how far ahead of the moment the barrier completes
	// the common start instant is set: time enough for every shard to
	// hear of it and get ready.
	StartMargin time.Duration
	// MaxUpload bounds one shard's uploaded record (default 1 GiB).
	MaxUpload int64

	// Collect, if set, samples the target from the coordinator only, so
	// its profiles are fetched once however many shards attack.
	Collect *collect.Config
	// SLO is evaluated on the merged histograms.
	SLO *slo.Set

	Tool runrecord.Tool
	Host runrecord.Host

	// Logf, if set, is told what happens (registrations, the start,
	// lost shards), one line at a time.
	Logf func(format string, a ...any)
	// Progress, if set, is called with each merged interval.
	Progress func(Progress)
	// Abort, when closed after Run's context is done, stops waiting for
	// records: shards not yet in are lost.
	Abort <-chan struct{}
}

// Coordinator runs one sharded attack: it holds the start barrier, merges
// the shards' intervals as they stream in, collects the target, and
// writes the merged run record.
type Coordinator struct {
	cfg  Config
	run  string
	col  *collect.Collector
	live *liveMerge

	mu       sync.Mutex
	shards   []*shardState
	started  bool
	start    time.Time // on the coordinator's clock
	startCh  chan struct{}
	abortMsg string
	abortCh  chan struct{}
	stop     bool
	merging  bool
	mismatch *MismatchError
	refused  []string
	changed  chan struct{}
}

// shardState is what the coordinator knows of one shard.
type shardState struct {
	index int

	// io serialises a shard's spool writes and upload; the fields below
	// are guarded by Coordinator.mu.
	io sync.Mutex

	registered   bool
	host         string
	lastHeard    time.Time
	offset, rtt  time.Duration
	startLag     *time.Duration
	header       []byte
	nextSeq      uint64
	lastInterval int64 // unix ms of the last interval received
	intervals    int
	requests     uint64
	dropped      uint64
	uploaded     bool
	uploadedRun  *runrecord.Run
	lost         string // why, once lost
}

// New checks the configuration; nothing listens until Run.
func New(cfg Config) (*Coordinator, error) {
	if cfg.Plan.Shards < 1 {
		return nil, fmt.Errorf("shards: need at least 1, got %d", cfg.Plan.Shards)
	}
	if cfg.Schedule == nil {
		return nil, errors.New("no schedule")
	}
	if cfg.Out == "" {
		return nil, errors.New("no output directory")
	}
	if cfg.BarrierTimeout <= 0 {
		cfg.BarrierTimeout = DefaultBarrierTimeout
	}
	if cfg.ShardTimeout <= 0 {
		cfg.ShardTimeout = DefaultShardTimeout
	}
	if cfg.StartMargin <= 0 {
		cfg.StartMargin = DefaultStartMargin
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.Plan.Interval <= 0 {
		cfg.Plan.Interval = time.Second
	}
	c := &Coordinator{
		cfg:     cfg,
		run:     runrecord.NewRunID(), // the merged record's id too
		startCh: make(chan struct{}),
		abortCh: make(chan struct{}),
		changed: make(chan struct{}, 1),
	}
	if cfg.Collect != nil {
		cc := *cfg.Collect
		cc.RunID = c.run // target.jsonl is the merged record's
		col, err := collect.New(cc)
		if err != nil {
			return nil, err
		}
		c.col = col
	}
	if err := runrecord.CheckWritable(filepath.Join(cfg.Out, shardsDir)); err != nil {
		return nil, err
	}
	for i := range cfg.Plan.Shards {
		c.shards = append(c.shards, &shardState{index: i})
	}
	c.live = newLiveMerge(cfg.Plan.Shards, cfg.Plan.Interval)
	return c, nil
}

// shardsDir holds each shard's own record inside the merged one.
const shardsDir = "shards"

func (c *Coordinator) logf(format string, a ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, a...)
	}
}

// poke wakes Run's loop after a change of state.
func (c *Coordinator) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Run serves shards on ln until the run is over and returns the merged
// record. Cancelling ctx before the start calls the run off; after it,
// the shards are asked to stop, and their records are still merged. The
// error is a *BarrierError, *MismatchError or *LostError when that is
// what happened; the record is returned whenever one was written.
func (c *Coordinator) Run(ctx context.Context, ln net.Listener) (*runrecord.Run, error) {
	srv := &http.Server{
		Handler:           c.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // a record upload
		WriteTimeout:      2 * time.Minute,  // longer than a start poll
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()

	if err := c.barrier(ctx); err != nil {
		return nil, err
	}
	var target *runrecord.TargetSummary
	if c.col != nil {
		c.col.Start(ctx, c.cfg.Out)
		c.col.WaitBaseline(ctx)
	}
	start := c.release()
	if c.col != nil {
		sleepUntil(ctx, start)
		c.col.Begin(c.planned())
	}
	stopAt := c.follow(ctx, start)
	if c.col != nil {
		var err error
		target, err = c.col.Stop(context.WithoutCancel(ctx))
		if err != nil {
			c.logf("collector: %v", err)
		}
	}
	return c.merge(start, stopAt, target)
}

// planned is how long the shards send, as planned (0: until stopped).
func (c *Coordinator) planned() time.Duration {
	d, end := c.cfg.Duration, c.cfg.Schedule.End()
	if d == 0 || (end > 0 && end < d) {
		return end
	}
	return d
}

// barrier waits until every shard has registered, the barrier times out,
// a plan mismatch calls the run off, or ctx is done.
func (c *Coordinator) barrier(ctx context.Context) error {
	deadline := time.NewTimer(c.cfg.BarrierTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		c.mu.Lock()
		c.dropSilentLocked()
		missing := c.missingLocked()
		mismatch := c.mismatch
		refused := append([]string(nil), c.refused...)
		c.mu.Unlock()
		switch {
		case mismatch != nil:
			c.abort("shard " + fmt.Sprint(mismatch.Shard) + "'s plan differs from the coordinator's")
			return mismatch
		case len(missing) == 0:
			return nil
		}
		select {
		case <-c.changed:
		case <-tick.C:
		case <-deadline.C:
			c.abort(fmt.Sprintf("shard(s) %s did not register within %s", ints(missing), c.cfg.BarrierTimeout))
			return &BarrierError{Missing: missing, Timeout: c.cfg.BarrierTimeout, Refused: refused}
		case <-ctx.Done():
			c.abort("the coordinator was interrupted")
			return fmt.Errorf("interrupted while waiting for shard(s) %s: %w", ints(missing), ctx.Err())
		}
	}
}

// dropSilentLocked forgets registered shards that stopped polling before
// the start (a shard that died while waiting): their index is free again.
func (c *Coordinator) dropSilentLocked() {
	for _, s := range c.shards {
		if s.registered && time.Since(s.lastHeard) > c.cfg.ShardTimeout {
			c.logf("shard %d (%s) went silent before the start; waiting for it again", s.index, s.host)
			s.registered = false
		}
	}
}

func (c *Coordinator) missingLocked() []int {
	var out []int
	for _, s := range c.shards {
		if !s.registered {
			out = append(out, s.index)
		}
	}
	return out
}

func (c *Coordinator) abort(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.abortMsg == "" {
		c.abortMsg = msg
		close(c.abortCh)
	}
}

// release sets the common start instant, StartMargin (plus the slowest
// round trip) from now, and hands it to every waiting shard.
func (c *Coordinator) release() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	margin := c.cfg.StartMargin
	for _, s := range c.shards {
		margin = max(margin, c.cfg.StartMargin+2*s.rtt)
	}
	c.start = time.Now().Add(margin)
	c.started = true
	close(c.startCh)
	c.logf("all %d shards registered; start at %s (in %s)", len(c.shards), c.start.UTC().Format("15:04:05.000Z"), margin)
	return c.start
}

// follow runs until every shard has uploaded its record or is lost, and
// returns when sending stopped (zero: as planned).
func (c *Coordinator) follow(ctx context.Context, start time.Time) time.Time {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var stopAt time.Time
	done := ctx.Done()
	abort := c.cfg.Abort
	for {
		c.mu.Lock()
		now := time.Now()
		pending := 0
		for _, s := range c.shards {
			if s.uploaded || s.lost != "" {
				continue
			}
			pending++
			if silent := now.Sub(s.lastHeard); silent > c.cfg.ShardTimeout && now.After(start) {
				s.lost = fmt.Sprintf("silent for %s", silent.Round(time.Second))
				c.logf("shard %d (%s) lost: %s", s.index, s.host, s.lost)
				c.live.forget(s.index)
				pending--
			}
		}
		deadline := c.deadlineLocked(start, stopAt)
		if !deadline.IsZero() && now.After(deadline) {
			for _, s := range c.shards {
				if !s.uploaded && s.lost == "" {
					s.lost = "its record did not arrive in time"
					c.logf("shard %d (%s) lost: %s", s.index, s.host, s.lost)
				}
			}
			pending = 0
		}
		if pending == 0 {
			c.merging = true
		}
		c.mu.Unlock()
		c.live.flush(c.aliveCount, c.cfg.Progress, start)
		if pending == 0 {
			return stopAt
		}
		select {
		case <-c.changed:
		case <-tick.C:
		case <-done:
			done = nil
			stopAt = time.Now()
			c.mu.Lock()
			c.stop = true
			c.mu.Unlock()
			c.logf("stopping: asking the shards to stop and send their records")
		case <-abort:
			abort = nil
			c.mu.Lock()
			for _, s := range c.shards {
				if !s.uploaded && s.lost == "" {
					s.lost = "the coordinator was aborted before its record arrived"
				}
			}
			c.mu.Unlock()
			c.poke()
		}
	}
}

// deadlineLocked is when waiting for records ends: the end of sending,
// plus the request timeout, a shard timeout and a grace for the upload.
// Zero while the run is unbounded and not stopped.
func (c *Coordinator) deadlineLocked(start, stopAt time.Time) time.Time {
	end := time.Time{}
	if d := c.planned(); d > 0 {
		end = start.Add(d)
	}
	if !stopAt.IsZero() && (end.IsZero() || stopAt.Before(end)) {
		end = stopAt
	}
	if end.IsZero() {
		return end
	}
	return end.Add(c.cfg.Timeout + c.cfg.ShardTimeout + uploadGrace)
}

func (c *Coordinator) aliveCount() (alive, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.shards {
		if s.registered && s.lost == "" {
			alive++
		}
	}
	return alive, len(c.shards)
}

// sleepUntil waits until t or ctx is done.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// Status is the run as the coordinator sees it (GET /v1/status).
type Status struct {
	Run     string        `json:"run"`
	Started bool          `json:"started"`
	Start   time.Time     `json:"start,omitzero"`
	Shards  []ShardStatus `json:"shards"`
}

// ShardStatus is one shard in Status.
type ShardStatus struct {
	Index        int           `json:"index"`
	Registered   bool          `json:"registered"`
	Host         string        `json:"host,omitempty"`
	ClockOffset  time.Duration `json:"clock_offset"`
	RTT          time.Duration `json:"rtt"`
	StartLag     time.Duration `json:"start_lag"`
	Intervals    int           `json:"intervals"`
	Requests     uint64        `json:"requests"`
	LastInterval time.Time     `json:"last_interval,omitzero"`
	Uploaded     bool          `json:"uploaded"`
	Lost         string        `json:"lost,omitempty"`
}

// Status reports the state of the run.
func (c *Coordinator) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Status{Run: c.run, Started: c.started}
	if c.started {
		st.Start = c.start.UTC()
	}
	for _, s := range c.shards {
		ss := ShardStatus{
			Index: s.index, Registered: s.registered, Host: s.host,
			ClockOffset: s.offset, RTT: s.rtt, Intervals: s.intervals,
			Requests: s.requests, Uploaded: s.uploaded, Lost: s.lost,
		}
		if s.startLag != nil {
			ss.StartLag = *s.startLag
		}
		if s.lastInterval != 0 {
			ss.LastInterval = time.UnixMilli(s.lastInterval).UTC()
		}
		st.Shards = append(st.Shards, ss)
	}
	sort.Slice(st.Shards, func(i, j int) bool { return st.Shards[i].Index < st.Shards[j].Index })
	return st
}
