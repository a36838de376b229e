// Package collect gathers the target's own evidence while an attack runs:
// pprof profiles, Prometheus metrics, expvar memstats and /proc figures,
// on the same wall clock as the latency record. It has its own HTTP client
// and never touches the attack's connections; a collector endpoint that is
// down, slow or broken becomes a warning, never a failed attack.
//
//	c, err := collect.New(collect.Config{PprofURL: "http://127.0.0.1:6060/debug/pprof",
//		MetricsURL: "http://127.0.0.1:6060/metrics"})
//	c.Start(ctx, runDir)      // idle baseline starts now
//	c.WaitBaseline(ctx)       // ... and lasts Config.Baseline
//	c.Begin(plannedDuration)  // the attack starts now
//	summary, err := c.Stop(ctx) // target.jsonl, profiles/*.pb.gz in runDir
//
// Every source plugs in through the Source interface; sources that work over
// the whole attack window (pprof) also implement WindowSource.
package collect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Defaults for Config fields left zero.
const (
	DefaultInterval = time.Second
	DefaultTimeout  = 5 * time.Second
	DefaultBaseline = 2 * time.Second
	DefaultMaxBytes = 64 << 20
	// DefaultMaxSeries bounds the series of one metrics scrape (a large
	// service exposes tens of thousands); Prometheus' sample_limit.
	DefaultMaxSeries = 200_000
	// DefaultCPUWindow is the longest CPU profile window asked for. Shorter
	// windows lose less when a run is cut short; longer ones cost fewer
	// profile starts. 10 s is well under common server write timeouts.
	DefaultCPUWindow = 10 * time.Second
)

// Config says what to collect. The zero value of a duration or size picks
// its default. Header values are never recorded (see Record).
type Config struct {
	PprofURL   string        `json:"pprof,omitempty"`   // base of net/http/pprof, like http://h:6060/debug/pprof
	MetricsURL string        `json:"metrics,omitempty"` // Prometheus text or OpenMetrics
	ExpvarURL  string        `json:"expvar,omitempty"`  // Go's /debug/vars
	PID        int           `json:"pid,omitempty"`     // local process, sampled from /proc
	Interval   time.Duration `json:"interval"`          // sampling interval
	Timeout    time.Duration `json:"timeout"`           // per scrape
	Baseline   time.Duration `json:"baseline"`          // idle sampling before the attack (negative: none)
	MaxBytes   int64         `json:"max_bytes"`         // cap on one response body, after decompression
	MaxSeries  int           `json:"max_series"`        // cap on the series of one metrics scrape
	CPUWindow  time.Duration `json:"cpu_window"`        // longest CPU profile window
	Header     http.Header   `json:"-"`                 // sent with every collector request; never recorded
	// HeaderNames records which headers were sent, without their values.
	HeaderNames []string `json:"header_names,omitempty"`
	// ProcRoot is where procfs is mounted (tests; default /proc).
	ProcRoot string `json:"-"`
	// RunID is the run record's id, written into target.jsonl.
	RunID string `json:"-"`
	// Redactor masks known secrets in warnings and source names (nil:
	// runrecord's rules alone, which they always get).
	Redactor *runrecord.Redactor `json:"-"`
}

// Enabled reports whether any source is configured.
func (c Config) Enabled() bool {
	return c.PprofURL != "" || c.MetricsURL != "" || c.ExpvarURL != "" || c.PID != 0
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Baseline == 0 {
		c.Baseline = DefaultBaseline
	}
	if c.Baseline < 0 {
		c.Baseline = 0
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxSeries <= 0 {
		c.MaxSeries = DefaultMaxSeries
	}
	if c.CPUWindow <= 0 {
		c.CPUWindow = DefaultCPUWindow
	}
	return c
}

// Record is the configuration as written to the run record: header values
// and URL credentials removed, defaults filled in.
func (c Config) Record() Config {
	r := c.withDefaults()
	r.Header = nil
	r.HeaderNames = nil
	for k := range c.Header {
		r.HeaderNames = append(r.HeaderNames, k)
	}
	r.PprofURL, r.MetricsURL, r.ExpvarURL = c.Redactor.Text(c.PprofURL), c.Redactor.Text(c.MetricsURL), c.Redactor.Text(c.ExpvarURL)
	return r
}

// Source is one place the collector reads the target from. The collector
// calls Sample once per interval from one goroutine per source, so a slow
// source only delays itself.
type Source interface {
	// Name identifies the source in warnings, like "metrics http://h/metrics".
	Name() string
	// Sample reads the source now into r. Counters are cumulative; the
	// collector turns consecutive readings into rates. It must return by
	// ctx's deadline.
	Sample(ctx context.Context, r *Reading) error
}

// WindowSource is a Source that also works over the whole attack window,
// such as pprof's CPU profile windows and start/end profile snapshots.
type WindowSource interface {
	Source
	// Begin is called as the attack starts and must return at once; its
	// work runs in the background until End, writing files under dir (the
	// run directory) as it goes.
	Begin(planned time.Duration, dir string)
	// End is called when the attack has stopped. It finishes its work
	// (bounded by ctx) and writes its remaining files.
	End(ctx context.Context) error
}

// Notes is how a source says something worth a warning in the summary
// (an adapted window) outside of a failed Sample, or notes a profile the
// target has switched off (information, not a warning).
type Notes interface {
	Warn(format string, a ...any)
	ProfileOff(name string)
}

// Collector runs the configured sources alongside an attack.
type Collector struct {
	cfg     Config
	sources []Source
	tl      *timeline
	notes   *warnings

	mu      sync.Mutex
	started time.Time
	dir     string
	begun   time.Time // when the attack began (zero: baseline)
	// boundary is the time of the latest boundary reading (attack start
	// or end): a clock tick due no later than it is stale.
	boundary time.Time
	ticks    []chan tick
	cut      map[Source]bool // stopped at a cap: no more ticks
	wg       sync.WaitGroup
	cancel   context.CancelFunc
	done     chan struct{}

	// late, if set, runs when a clock tick is due, before it is labelled:
	// tests make the clock goroutine late with it, as a busy machine does.
	late func(due time.Time)
}

// tick asks every source for a reading stamped T.
type tick struct {
	T        time.Time
	Baseline bool
	// Boundary ticks (attack start and end) come right after a clock
	// tick; a source still busy with that one is not slow.
	Boundary bool
}

// New checks the configuration and prepares the sources. Nothing is
// contacted yet: an endpoint that is down is a warning later, not an error.
func New(cfg Config) (*Collector, error) {
	if !cfg.Enabled() {
		return nil, errors.New("collect: no source configured")
	}
	cfg = cfg.withDefaults()
	if cfg.Interval < 100*time.Millisecond {
		return nil, fmt.Errorf("collect: interval %s is below 100ms", cfg.Interval)
	}
	notes := &warnings{}
	var sources []Source
	f := newFetcher(cfg)
	// Order matters: for each figure, the first source that has it wins
	// (/proc is the most direct, then metrics, expvar, pprof).
	if cfg.PID != 0 {
		s, err := newProcSource(cfg.PID, cfg.ProcRoot)
		if err != nil {
			return nil, err
		}
		sources = append(sources, s)
	}
	for _, u := range []struct {
		url  string
		make func(string) Source
	}{
		{cfg.MetricsURL, func(u string) Source { return newPromSource(u, f, cfg.MaxSeries) }},
		{cfg.ExpvarURL, func(u string) Source { return newExpvarSource(u, f) }},
		{cfg.PprofURL, func(u string) Source { return newPprofSource(u, f, cfg, notes) }},
	} {
		if u.url == "" {
			continue
		}
		if err := checkURL(u.url); err != nil {
			return nil, err
		}
		sources = append(sources, u.make(u.url))
	}
	return assemble(cfg, notes, sources), nil
}

// assemble wires sources into a collector (tests plug in their own).
func assemble(cfg Config, notes *warnings, sources []Source) *Collector {
	return &Collector{cfg: cfg, notes: notes, sources: sources, tl: newTimeline(sources, cfg.Interval), cut: map[Source]bool{}}
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("collect: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("collect: %s: want an http:// or https:// URL", runrecord.RedactURL(s))
	}
	return nil
}

// Start begins sampling (the idle baseline) at once. Files go to dir, the
// run directory.
func (c *Collector) Start(ctx context.Context, dir string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return
	}
	c.dir = dir
	// Sampling outlives the caller's cancellation (Ctrl-C stops the attack,
	// not the record of it); Stop ends it.
	ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	c.done = make(chan struct{})
	c.started = time.Now()
	for _, s := range c.sources {
		ch := make(chan tick, 1)
		c.ticks = append(c.ticks, ch)
		c.wg.Add(1)
		go c.sampleLoop(ctx, s, ch)
	}
	go c.clock(ctx)
}

// WaitBaseline returns when the baseline has lasted Config.Baseline since
// Start, or ctx is done.
func (c *Collector) WaitBaseline(ctx context.Context) {
	c.mu.Lock()
	left := c.cfg.Baseline - time.Since(c.started)
	c.mu.Unlock()
	if left <= 0 {
		return
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Begin marks the start of the attack; planned is its intended length
// (0: until stopped). The reading taken now closes the baseline.
func (c *Collector) Begin(planned time.Duration) {
	c.mu.Lock()
	now := time.Now() // under mu: a clock tick labelled before this is due before it
	c.begun, c.boundary = now, now
	c.tl.setAttackStart(now)
	c.broadcastLocked(tick{T: now, Baseline: true, Boundary: true})
	c.mu.Unlock()
	for _, s := range c.sources {
		if w, ok := s.(WindowSource); ok {
			w.Begin(planned, c.dir)
		}
	}
}

// clock issues ticks at multiples of the interval since the Unix epoch, as
// the latency intervals are, so rows line up with them.
func (c *Collector) clock(ctx context.Context) {
	c.broadcast(tick{T: time.Now(), Baseline: true})
	for {
		// (time.Truncate counts from year 1, not 1970: do it by hand.)
		d := c.cfg.Interval.Nanoseconds()
		next := time.Unix(0, (time.Now().UnixNano()/d+1)*d)
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.done:
			t.Stop()
			return
		case <-t.C:
			if c.late != nil {
				c.late(next)
			}
			c.due(next)
		}
	}
}

// due issues the clock tick due at next. The tick is labelled by when it
// was due, under the lock Begin and Stop take their time in, never by
// whether Begin has run by the time this goroutine gets here: on a busy
// machine the goroutine can wake long after the timer fired. A tick due no
// later than the latest boundary reading (Begin's, Stop's) is stale: that
// reading was taken after it was due and stands for it. (Labelled by
// "has Begin run", such a tick made a baseline reading into an attack row
// stamped before the attack began.)
func (c *Collector) due(next time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.boundary.IsZero() && !next.After(c.boundary) {
		return
	}
	c.broadcastLocked(tick{T: next, Baseline: c.begun.IsZero()})
}

// broadcast hands a tick to every source that is free; a source still busy
// with the previous one skips it (and the skip is counted).
func (c *Collector) broadcast(tk tick) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broadcastLocked(tk)
}

func (c *Collector) broadcastLocked(tk tick) {
	for i, ch := range c.ticks {
		if c.cut[c.sources[i]] {
			continue
		}
		select {
		case ch <- tk:
		default:
			if !tk.Boundary {
				c.tl.skipped(c.sources[i])
				continue
			}
			// The attack's start and end readings matter more than a
			// clock tick still waiting for a busy source: take its place.
			select {
			case <-ch:
				c.tl.skipped(c.sources[i])
			default:
			}
			select {
			case ch <- tk: // room now: only broadcastLocked sends, under mu
			default:
			}
		}
	}
}

// cutError is a reading stopped at a cap (bytes after decompression, or
// series): the endpoint is not one to read every interval during an
// attack, so its source stops there. what says how far it got.
type cutError struct {
	err  error
	what string
}

func (e *cutError) Error() string {
	if e.what == "" {
		return e.err.Error()
	}
	return fmt.Sprintf("%v (%s)", e.err, e.what)
}
func (e *cutError) Unwrap() error { return e.err }

func (c *Collector) sampleLoop(ctx context.Context, s Source, ch <-chan tick) {
	defer c.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case tk, ok := <-ch:
			if !ok {
				return
			}
			sctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
			var r Reading
			t0 := time.Now()
			err := s.Sample(sctx, &r)
			t1 := time.Now()
			cancel()
			if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("no answer within %s (the collector timeout)", c.cfg.Timeout)
			}
			// The value was read somewhere during the request: its midpoint
			// is the best estimate of when.
			r.At = t0.Add(t1.Sub(t0) / 2)
			c.tl.add(s, tk, r, err)
			if ce := (*cutError)(nil); errors.As(err, &ce) {
				c.tl.cut(s, ce)
				c.mu.Lock()
				c.cut[s] = true
				c.mu.Unlock()
				return
			}
		}
	}
}

// Stop ends the attack window: it takes a last reading, lets window
// sources finish (bounded by ctx), writes target.jsonl and profiles in the
// run directory, and returns the summary for run.json. What was collected
// is written even when ctx is cancelled.
func (c *Collector) Stop(ctx context.Context) (*runrecord.TargetSummary, error) {
	c.mu.Lock()
	started, dir := c.done != nil, c.dir
	c.mu.Unlock()
	if !started {
		return nil, errors.New("collect: Stop before Start")
	}
	c.mu.Lock()
	end := time.Now()
	c.boundary = end
	c.tl.setAttackEnd(end)
	c.broadcastLocked(tick{T: end, Boundary: true})
	close(c.done) // no more ticks: what follows is not the attack
	c.mu.Unlock()
	var errs []error
	for _, s := range c.sources {
		if w, ok := s.(WindowSource); ok {
			if err := w.End(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	c.mu.Lock()
	for _, ch := range c.ticks {
		close(ch)
	}
	c.ticks = nil
	c.mu.Unlock()
	waited := make(chan struct{})
	go func() { c.wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		c.cancel()
		<-waited
	}
	c.cancel()

	rows := c.tl.rows()
	if err := runrecord.WriteTargetSamples(dir, c.cfg.RunID, rows); err != nil {
		errs = append(errs, err)
	}
	sum, gcFrom := c.tl.summary(c.cfg)
	sum.Warnings = append(c.tl.warnings(c.cfg), append(c.notes.list(), sum.Warnings...)...)
	sum.ProfilingOff = c.notes.offList()
	for i, w := range sum.Warnings {
		// Errors of net/http and of the endpoints may quote a URL.
		sum.Warnings[i] = c.cfg.Redactor.Text(w)
	}
	for _, s := range c.sources {
		sum.Sources = append(sum.Sources, c.cfg.Redactor.Text(describe(s, gcFrom[s])))
	}
	return sum, errors.Join(errs...)
}

// Files lists the files Stop wrote, relative to the run directory:
// target.jsonl and the profiles. The run record's manifest lists them.
func (c *Collector) Files() []string {
	out := []string{runrecord.TargetFile}
	for _, s := range c.sources {
		if f, ok := s.(interface{ files() []string }); ok {
			out = append(out, f.files()...)
		}
	}
	return out
}

// describe is a source's name with credentials removed, plus the caveat
// the source declares about its GC figures when the summary used them.
func describe(s Source, gcUsed bool) string {
	name := s.Name()
	if k, u, ok := strings.Cut(name, " "); ok {
		name = k + " " + runrecord.RedactURL(u)
	}
	if c, ok := s.(interface{ Caveat() string }); ok && gcUsed && c.Caveat() != "" {
		name += " (" + c.Caveat() + ")"
	}
	return name
}

// warnings collects source notes, each distinct message once with a count.
type warnings struct {
	mu    sync.Mutex
	order []string
	n     map[string]int
	off   []string // profiles the target has switched off (mutex, block)
}

// profileOff notes a profile the target does not take: information (Go
// ships with mutex and block profiling off), not a warning.
func (w *warnings) ProfileOff(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.off = append(w.off, name)
}

func (w *warnings) offList() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.off...)
}

func (w *warnings) Warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == nil {
		w.n = map[string]int{}
	}
	if w.n[msg] == 0 {
		w.order = append(w.order, msg)
	}
	w.n[msg]++
}

func (w *warnings) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.order))
	for _, m := range w.order {
		if n := w.n[m]; n > 1 {
			m = fmt.Sprintf("%s (x%d)", m, n)
		}
		out = append(out, m)
	}
	return out
}
