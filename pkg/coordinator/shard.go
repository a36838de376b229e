package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/recording"
)

// Defaults for ShardConfig fields left zero.
const (
	DefaultJoinTimeout = 5 * time.Minute
	DefaultMaxQueued   = 16 << 20
	// clockSamples is how many exchanges the offset estimate picks from.
	clockSamples = 8
	// heartbeat is how often a shard reports when it has nothing new.
	heartbeat = time.Second
	// flushWait bounds how long Finish waits for queued intervals.
	flushWait = 30 * time.Second
)

// ShardConfig configures a shard's link to its coordinator.
type ShardConfig struct {
	// URL is the coordinator's base URL, like http://loadgen-coordinator:7070.
	URL   string
	Index int
	// Plan is this shard's plan; Plan.Shards is the number of shards.
	Plan    Plan
	Host    string
	Version string
	// JoinTimeout bounds how long the shard keeps trying to reach the
	// coordinator before the start (in Kubernetes its pod may come up
	// after the shards'), and later how long it tries to deliver.
	JoinTimeout time.Duration
	// MaxQueued bounds the bytes of closed intervals waiting to be sent;
	// past it the oldest are dropped from the stream (the shard's own
	// record keeps them all), so memory stays bounded whatever happens
	// to the coordinator.
	MaxQueued int
	// Logf, if set, is told what the link is doing.
	Logf func(format string, a ...any)
}

// Link is a shard's connection to its coordinator: registration, the
// clock offset, the start barrier, the interval stream and the upload.
type Link struct {
	cfg         ShardConfig
	client      *http.Client
	run         string
	offset, rtt time.Duration

	mu        sync.Mutex
	queue     []interval
	queued    int
	seq       uint64
	dropped   uint64
	header    string
	headerOK  bool
	startLag  *time.Duration
	lagSent   bool
	lastOK    time.Time
	lastErr   error
	warned    bool
	wake      chan struct{}
	stopCh    chan struct{}
	stopOnce  sync.Once
	senderEnd context.CancelFunc
	senderWG  sync.WaitGroup
}

func newClient() *http.Client {
	// Direct connections only (no proxy from the environment): the
	// coordinator is next to the shards, in the cluster or on the box.
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: startHold + 10*time.Second,
	}
	return &http.Client{Transport: tr}
}

// Join registers the shard with its coordinator, retrying while the
// coordinator cannot be reached (up to JoinTimeout), and estimates the
// clock offset on the way. A refusal (*RefusedError: a different plan,
// a taken index, a run already started) is returned at once: nothing has
// been sent to the target.
func Join(ctx context.Context, cfg ShardConfig) (*Link, error) {
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = DefaultJoinTimeout
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("coordinator URL %q: want http://HOST:PORT", cfg.URL)
	}
	l := &Link{cfg: cfg, client: newClient(), wake: make(chan struct{}, 1), stopCh: make(chan struct{})}
	err = l.retry(ctx, "reach the coordinator", cfg.JoinTimeout, func(ctx context.Context) error {
		if err := l.measureClock(ctx); err != nil {
			return err
		}
		reg := registration{Shard: cfg.Index, Plan: cfg.Plan, PlanHash: cfg.Plan.Hash(), Host: cfg.Host, Version: cfg.Version}
		var ok registered
		if err := l.call(ctx, pathRegister, reg, &ok, 10*time.Second); err != nil {
			return err
		}
		l.run = ok.Run
		return nil
	})
	if err != nil {
		return nil, err
	}
	l.logf("registered with %s as shard %d/%d (clock offset %s, rtt %s)", cfg.URL, cfg.Index, cfg.Plan.Shards, l.offset, l.rtt)
	return l, nil
}

// ClockOffset is the coordinator's clock minus this shard's; RTT is the
// round trip of the exchange it came from (the offset's error is at most
// half of it).
func (l *Link) ClockOffset() time.Duration { return l.offset }

// RTT is the round trip of the best clock exchange.
func (l *Link) RTT() time.Duration { return l.rtt }

func (l *Link) logf(format string, a ...any) {
	if l.cfg.Logf != nil {
		l.cfg.Logf(format, a...)
	}
}

// measureClock takes clockSamples exchanges and keeps the best.
func (l *Link) measureClock(ctx context.Context) error {
	var ss []clockSample
	for range clockSamples {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, err := http.NewRequestWithContext(cctx, http.MethodGet, l.cfg.URL+pathClock, nil)
		if err != nil {
			cancel()
			return err
		}
		t0 := time.Now()
		resp, err := l.client.Do(req)
		if err != nil {
			cancel()
			return err
		}
		var cr clockReply
		err = json.NewDecoder(io.LimitReader(resp.Body, maxSmallBody)).Decode(&cr)
		resp.Body.Close()
		t3 := time.Now()
		cancel()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("clock exchange: status %s: %v", resp.Status, err)
		}
		// t3 from t0's monotonic reading: a wall-clock step between them
		// cannot distort the round trip.
		ss = append(ss, clockSample{t0: t0.UnixNano(), t1: cr.Recv, t2: cr.Send, t3: t0.UnixNano() + int64(t3.Sub(t0))})
	}
	best, _ := bestSample(ss)
	l.offset, l.rtt = best.offset(), best.rtt()
	return nil
}

// transient marks errors worth retrying: the coordinator is not there
// (yet), or it answered with a server error.
type transient struct{ err error }

func (t transient) Error() string { return t.err.Error() }
func (t transient) Unwrap() error { return t.err }

// call POSTs in as JSON to path and decodes a 200 answer into out. A
// refusal is a *RefusedError; a network failure or a 5xx is transient.
func (l *Link) call(ctx context.Context, path string, in, out any, timeout time.Duration) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, l.cfg.URL+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return l.do(req, out)
}

func (l *Link) do(req *http.Request, out any) error {
	resp, err := l.client.Do(req)
	if err != nil {
		return transient{err}
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxSmallBody)
	switch {
	case resp.StatusCode == http.StatusOK:
		if out == nil {
			return nil
		}
		if err := json.NewDecoder(body).Decode(out); err != nil {
			return transient{fmt.Errorf("coordinator answer: %w", err)}
		}
		return nil
	case resp.StatusCode >= 500:
		msg, _ := io.ReadAll(body)
		return transient{fmt.Errorf("coordinator: %s: %s", resp.Status, bytes.TrimSpace(msg))}
	}
	var rf refusal
	if err := json.NewDecoder(body).Decode(&rf); err != nil || rf.Error == "" {
		return fmt.Errorf("coordinator: %s", resp.Status)
	}
	return &RefusedError{Shard: l.cfg.Index, Code: rf.Code, Reason: rf.Error, Diffs: rf.Diffs}
}

// retry runs f until it succeeds, fails for good, or the coordinator has
// been unreachable for limit.
func (l *Link) retry(ctx context.Context, what string, limit time.Duration, f func(context.Context) error) error {
	began := time.Now()
	wait := 200 * time.Millisecond
	lastSaid := time.Time{}
	for {
		err := f(ctx)
		var tr transient
		if err == nil || !errors.As(err, &tr) {
			return err
		}
		if time.Since(began) > limit {
			return &UnreachableError{URL: l.cfg.URL, For: time.Since(began), Err: tr.err}
		}
		if time.Since(lastSaid) > 10*time.Second {
			l.logf("cannot %s at %s yet (%v); retrying for up to %s", what, l.cfg.URL, tr.err, (limit - time.Since(began)).Round(time.Second))
			lastSaid = time.Now()
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// WaitStart waits at the barrier until the coordinator gives the common
// start instant, and returns it on this shard's clock (offset-corrected,
// with a monotonic reading). An *AbortedError says the coordinator
// called the run off. From here on the link streams intervals and
// heartbeats until Finish.
func (l *Link) WaitStart(ctx context.Context) (time.Time, error) {
	var start time.Time
	err := l.retry(ctx, "hear the start from the coordinator", l.cfg.JoinTimeout, func(ctx context.Context) error {
		for {
			var rep startReply
			poll := startPoll{Run: l.run, Shard: l.cfg.Index, ClockOffset: l.offset, RTT: l.rtt}
			if err := l.call(ctx, pathStart, poll, &rep, startHold+15*time.Second); err != nil {
				return err
			}
			switch {
			case rep.Abort != "":
				return &AbortedError{Reason: rep.Abort}
			case rep.Start != 0:
				start = localInstant(rep.Start, l.offset)
				return nil
			}
		}
	})
	if err != nil {
		return time.Time{}, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.senderEnd = cancel
	l.lastOK = time.Now()
	l.senderWG.Add(1)
	go l.send(sctx)
	return start, nil
}

// Started reports how late the shard began against the start instant.
func (l *Link) Started(lag time.Duration) {
	l.mu.Lock()
	l.startLag = &lag
	l.mu.Unlock()
	l.poke()
}

// Interval queues a closed interval for the coordinator. It copies what
// it needs and never blocks, so it can be called from the recorder.
func (l *Link) Interval(s recording.IntervalStats) {
	l.mu.Lock()
	if !l.headerOK && l.header == "" {
		l.header = string(s.HlogHeader)
	}
	iv := interval{Seq: l.seq, StartMs: s.Start.UnixMilli(), EndMs: s.End.UnixMilli(), N: s.Completed, Errors: s.Errors, Hlog: string(s.Hlog)}
	l.seq++
	l.queue = append(l.queue, iv)
	l.queued += len(iv.Hlog)
	for l.queued > l.cfg.MaxQueued && len(l.queue) > 1 {
		l.queued -= len(l.queue[0].Hlog)
		l.queue = l.queue[1:]
		l.dropped++
	}
	l.mu.Unlock()
	l.poke()
}

func (l *Link) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Stop is closed when the coordinator asks the shard to stop sending.
func (l *Link) Stop() <-chan struct{} { return l.stopCh }

// send posts queued intervals, or a heartbeat every second, until ctx
// ends; it keeps going while the coordinator is unreachable.
func (l *Link) send(ctx context.Context) {
	defer l.senderWG.Done()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		l.flushOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.wake:
		}
	}
}

// flushOnce sends one batch; it reports whether the queue is empty now.
func (l *Link) flushOnce(ctx context.Context) bool {
	l.mu.Lock()
	b := intervalBatch{Run: l.run, Shard: l.cfg.Index, Dropped: l.dropped}
	if !l.headerOK {
		b.HlogHeader = l.header
	}
	if l.startLag != nil && !l.lagSent {
		lag := *l.startLag
		b.StartLag = &lag
	}
	size := 0
	for _, iv := range l.queue {
		if size > 0 && size+len(iv.Hlog) > maxBatchBody/2 {
			break
		}
		if b.HlogHeader == "" && l.header == "" {
			break // no header yet: the coordinator could not read them
		}
		b.Intervals = append(b.Intervals, iv)
		size += len(iv.Hlog)
	}
	l.mu.Unlock()

	var rep batchReply
	err := l.call(ctx, pathIntervals, b, &rep, 10*time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			l.lastErr = err
			if !l.warned && time.Since(l.lastOK) > 5*time.Second {
				l.warned = true
				l.logf("cannot reach the coordinator (%v); still attacking, intervals queue up (at most %d bytes) and this shard's own record stays complete", err, l.cfg.MaxQueued)
			}
		}
		return false
	}
	if l.warned {
		l.logf("coordinator reachable again")
		l.warned = false
	}
	l.lastOK, l.lastErr = time.Now(), nil
	if b.HlogHeader != "" {
		l.headerOK = true
	}
	if b.StartLag != nil {
		l.lagSent = true
	}
	// Drop what was sent; the queue may have lost its oldest meanwhile.
	sent := 0
	if n := len(b.Intervals); n > 0 {
		lastSeq := b.Intervals[n-1].Seq
		for sent < len(l.queue) && l.queue[sent].Seq <= lastSeq {
			l.queued -= len(l.queue[sent].Hlog)
			sent++
		}
		l.queue = l.queue[sent:]
	}
	if rep.Stop {
		l.stopOnce.Do(func() { close(l.stopCh) })
	}
	return len(l.queue) == 0
}

// Finish delivers what is still queued (waiting at most flushWait) and
// uploads the shard's finished record in dir. An *UnreachableError says
// the record could not be delivered; it is complete in dir all the same.
func (l *Link) Finish(ctx context.Context, dir string) error {
	deadline := time.Now().Add(flushWait)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		empty := len(l.queue) == 0 && (l.startLag == nil || l.lagSent)
		l.mu.Unlock()
		if empty {
			break
		}
		l.poke()
		time.Sleep(50 * time.Millisecond)
	}
	// The coordinator stops waiting for records uploadGrace after the
	// last response could have come; trying longer is pointless.
	err := l.retry(ctx, "upload this shard's record", min(l.cfg.JoinTimeout, uploadGrace), func(ctx context.Context) error {
		return l.upload(ctx, dir)
	})
	if l.senderEnd != nil {
		l.senderEnd()
		l.senderWG.Wait()
	}
	if err != nil {
		return fmt.Errorf("deliver the record: %w", err)
	}
	return nil
}

// upload streams the record as a gzipped tar.
func (l *Link) upload(ctx context.Context, dir string) error {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(packRecord(pw, dir)) }()
	defer pr.Close()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	u := l.cfg.URL + pathRecord + "?run=" + url.QueryEscape(l.run) + "&shard=" + strconv.Itoa(l.cfg.Index)
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, u, pr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/gzip")
	return l.do(req, nil)
}
