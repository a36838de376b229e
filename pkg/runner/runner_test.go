package runner

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func plan(t *testing.T, url, rate string, du time.Duration, tweak func(*attack.Options)) Plan {
	t.Helper()
	tgts, err := attack.TargetsFromURLs([]string{url}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attack.ParseRate(rate)
	if err != nil {
		t.Fatal(err)
	}
	o := attack.DefaultOptions()
	o.Duration = du
	o.Timeout = 5 * time.Second
	if tweak != nil {
		tweak(&o)
	}
	return Plan{Name: "test", Targets: tgts, Schedule: s, Options: o, Out: filepath.Join(t.TempDir(), "run")}
}

// stallingServer freezes for stall at the start of every period, starting
// offset after its first request (not its creation: a busy machine may
// start the attack late), and otherwise answers at once.
func stallingServer(period, stall, offset time.Duration) *httptest.Server {
	var first sync.Once
	var t0 time.Time
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { t0 = time.Now() })
		if el := time.Since(t0) - offset; el >= 0 {
			if ph := el % period; ph < stall {
				time.Sleep(stall - ph)
			}
		}
		w.Write([]byte("ok"))
	}))
}

// The coordinated-omission case: at 1000/s with at most 20 workers, a target
// that freezes 200 ms every 2 s leaves 10% of the requests waiting up to
// 200 ms for their turn (in the suite once, 1 s into a 2 s run: the same
// share in a third of the time; the strict check runs three periods, where
// the run's start and end weigh less: at 2 s its first attempt measured
// p95 111 ms on a quiet box, at 6 s within the ±10%). Measured from the intended send time, the latency of
// a request due t into a stall is about 200ms-t, so the analytic p95 is
// 100 ms and p99 180 ms; measured from the actual send (what a closed-loop
// tool reports) nearly all of that waiting disappears.
//
// Load on the machine only ever adds latency, so the lower bounds (p95 >= 90
// ms, p99 >= 162 ms) and "service latency far below latency" hold on any box,
// and they are what fails if latency were taken from the actual send. The
// strict ±10% check of the analytic values needs the generator to have the
// machine to itself: .ci/run runs it alone with LOADGEN_STRICT_TIMING=1.
func TestStallingTargetLatencyFromIntendedTime(t *testing.T) {
	strict := os.Getenv("LOADGEN_STRICT_TIMING") != "" && !raceEnabled
	var problems []string
	// p90 sits exactly where the stalled requests begin, so the backlog's
	// drain time shows there first; it is logged, not asserted.
	for attempt := 1; attempt <= 3; attempt++ {
		if problems = stallAttempt(t, strict); len(problems) == 0 {
			return
		}
		t.Logf("attempt %d: %s", attempt, strings.Join(problems, "; "))
	}
	t.Error(strings.Join(problems, "\n"))
}

func stallAttempt(t *testing.T, strict bool) []string {
	srv := stallingServer(2*time.Second, 200*time.Millisecond, time.Second)
	defer srv.Close()
	du := 2 * time.Second
	if strict {
		du = 6 * time.Second
	}
	p := plan(t, srv.URL, "1000", du, func(o *attack.Options) { o.MaxWorkers = 20 })
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	t.Logf("strict=%v latency p50 %v p90 %v p95 %v p99 %v p99.9 %v; service p95 %v p99 %v; lag p99 %v; requests %d missed %d",
		strict, s.Latency.P50, s.Latency.P90, s.Latency.P95, s.Latency.P99, s.Latency.P999,
		s.ServiceLatency.P95, s.ServiceLatency.P99, s.DispatchLag.P99, s.Requests, s.Missed)

	var problems []string
	fail := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	check := func(name string, got, want time.Duration) {
		if got < want-want/10 || (strict && got > want+want/10) {
			if strict {
				fail("%s = %v, want %v ±10%%", name, got, want)
			} else {
				fail("%s = %v, want at least %v (analytic %v -10%%)", name, got, want-want/10, want)
			}
		}
	}
	check("latency p95", s.Latency.P95, 100*time.Millisecond)
	check("latency p99", s.Latency.P99, 180*time.Millisecond)
	if slots := uint64(du / time.Millisecond); s.Requests+s.Missed != slots {
		fail("requests %d + missed %d, want %d slots", s.Requests, s.Missed, slots)
	}
	if s.DispatchLag.P99 < 100*time.Millisecond {
		fail("dispatch lag p99 = %v, want the stall to show as lag", s.DispatchLag.P99)
	}
	if !report.Diverged(s) {
		fail("summary should flag the divergence of latency and service latency")
	}
	if !strict {
		// Measured from the actual send the stall mostly vanishes.
		if s.ServiceLatency.P95 > s.Latency.P95/3 {
			fail("service latency p95 = %v, want far below latency p95 %v", s.ServiceLatency.P95, s.Latency.P95)
		}
		return problems
	}
	if s.ServiceLatency.P95 > 20*time.Millisecond {
		fail("service latency p95 = %v, want far below the 100 ms of intended-time latency", s.ServiceLatency.P95)
	}
	return problems
}

// At a rate the generator keeps up with, every slot is sent: the count is
// exactly rate x duration and nothing is missed.
func TestExactCountAndHlog(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	// 1000/s, or 200/s under -race: eight such tests side by side,
	// race-instrumented on a busy box, starved each other's requests
	// past their 5 s timeout.
	rate := 1000
	if raceEnabled {
		rate = 200
	}
	p := plan(t, srv.URL, strconv.Itoa(rate), time.Second, nil)
	p.Interval = 250 * time.Millisecond
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	// Every one of the schedule's slots is sent or counted missed (a
	// busy machine can leave the last ones unsent at the end of the run),
	// and the rate is never above the schedule's.
	s := run.Summary
	if s.Requests+s.Missed != uint64(rate) || s.Requests == 0 || s.SuccessRatio != 1 || s.StatusCodes["200"] != s.Requests {
		t.Fatalf("requests %d missed %d success %v codes %v", s.Requests, s.Missed, s.SuccessRatio, s.StatusCodes)
	}
	if s.Rate <= 0 || s.Rate > float64(rate)*1.01 {
		t.Errorf("rate %.1f, want at most %d", s.Rate, rate)
	}
	if s.BytesIn == 0 || s.BytesOut == 0 {
		t.Errorf("bytes in/out %d/%d, want wire counts", s.BytesIn, s.BytesOut)
	}

	// hdrhistogram-go's own log reader reads the log; untagged counts are
	// the requests, and each tagged series has the same total.
	f, err := os.Open(filepath.Join(p.Out, runrecord.LatencyLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := hdr.NewHistogramLogReader(f)
	totals := map[string]int64{}
	intervals := 0
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		totals[h.Tag()] += h.TotalCount()
		if h.Tag() == "" {
			intervals++
			if d := h.EndTimeMs() - h.StartTimeMs(); d < 249 || d > 251 {
				t.Errorf("interval length %d ms, want 250", d)
			}
		}
	}
	for _, tag := range []string{runrecord.TagLatency, runrecord.TagService, runrecord.TagLag} {
		if totals[tag] != int64(s.Requests) {
			t.Errorf("hlog tag %q counts %d, want %d", tag, totals[tag], s.Requests)
		}
	}
	// At least the 1 s the schedule spans; a busy machine's late
	// responses may add some.
	if intervals < 4 {
		t.Errorf("%d intervals for a 1 s run at 250 ms", intervals)
	}
	// The report of the record is the summary the attack printed.
	rep, err := report.Load(p.Out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Latency.TotalCount() != int64(s.Requests) || rep.Summary.Requests != s.Requests {
		t.Errorf("report reads %d/%d requests, want %d", rep.Latency.TotalCount(), rep.Summary.Requests, s.Requests)
	}
}

// Ctrl-C (ctx cancelled) stops sending, and the record is still complete.
func TestGracefulStopWritesCompleteRecord(t *testing.T) {
	t.Parallel()
	// Cancelled once the 20th request arrives rather than after a fixed
	// time: on a busy machine the attack can start later than any timer.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled, hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 20 {
			cancelled.Store(time.Now().UnixNano())
			cancel()
		}
		time.Sleep(50 * time.Millisecond)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	p := plan(t, srv.URL, "200", 30*time.Second, nil)
	run, err := Execute(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Prompt: the requests in flight take 50ms, and a stop that waited for
	// the schedule would take the 30 s it spans. (A loose bound, from the
	// cancel: a busy box under -race took 7 s to write the record.)
	if el := time.Since(time.Unix(0, cancelled.Load())); el > 15*time.Second {
		t.Fatalf("stop took %v", el)
	}
	// However late the cancel came on a busy machine, the slots due until
	// then were sent or counted missed, and none after.
	s := run.Summary
	due := int64(s.Duration.Seconds() * 200)
	if got := int64(s.Requests + s.Missed); !run.Interrupted || s.Requests < 20 || got < due-2 || got > due+2 {
		t.Fatalf("interrupted=%v: requests %d + missed %d after sending for %s, want the %d slots due", run.Interrupted, s.Requests, s.Missed, s.Duration, due)
	}
	// In-flight requests finished rather than failing.
	if s.SuccessRatio != 1 {
		t.Errorf("success %v: graceful stop must let requests in flight finish", s.SuccessRatio)
	}
	if s.Duration >= 30*time.Second {
		t.Errorf("sent for %v: the cancel did not stop it", s.Duration)
	}
	back, err := runrecord.Read(p.Out)
	if err != nil || back.Summary.Requests != s.Requests || !back.Interrupted {
		t.Fatalf("run.json: %+v, %v", back, err)
	}
	rep, err := report.Load(p.Out)
	if err != nil || rep.Latency.TotalCount() != int64(s.Requests) {
		t.Fatalf("hlog holds %v requests (err %v), want %d", rep.Latency.TotalCount(), err, s.Requests)
	}
}

// A second Ctrl-C (Abort) fails requests in flight at once and still writes
// the record.
func TestAbortFailsInFlightAndWrites(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	abort := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Ctrl-C once five requests hang at the target, the second one 300 ms
	// later: counted from the traffic, not from the test's start, so that
	// a late start on a busy machine still has requests in flight.
	var hits, aborted atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 5 {
			cancel()
			time.AfterFunc(300*time.Millisecond, func() { aborted.Store(time.Now().UnixNano()); close(abort) })
		}
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}))
	defer srv.Close()
	defer close(release)
	p := plan(t, srv.URL, "100", 10*time.Second, func(o *attack.Options) { o.Timeout = time.Minute })
	p.Abort = abort
	run, err := Execute(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// Prompt: not the minute the requests would hang. (A loose bound: a
	// busy box under -race took 7 s to fail them and write the record.)
	if el := time.Since(time.Unix(0, aborted.Load())); el > 20*time.Second {
		t.Fatalf("abort took %v, want prompt", el)
	}
	s := run.Summary
	if !run.Aborted || s.Requests == 0 || s.SuccessRatio != 0 || len(s.Errors) == 0 {
		t.Fatalf("aborted=%v requests=%d success=%v errors=%v", run.Aborted, s.Requests, s.SuccessRatio, s.Errors)
	}
	if _, err := os.Stat(filepath.Join(p.Out, runrecord.LatencyLog)); err != nil {
		t.Fatal(err)
	}
}

// An unreachable target is not bad input: errors are counted and grouped,
// and the run completes.
func TestUnreachableTargetCountsErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := plan(t, "http://"+addr+"/", "200", 500*time.Millisecond, nil)
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if s.Requests+s.Missed != 100 || s.Requests == 0 || s.SuccessRatio != 0 || s.StatusCodes["0"] != s.Requests {
		t.Fatalf("requests %d success %v codes %v", s.Requests, s.SuccessRatio, s.StatusCodes)
	}
	if len(s.Errors) != 1 || s.Errors[0].Count != s.Requests || !strings.Contains(s.Errors[0].Message, "connection refused") {
		t.Errorf("errors %+v, want one grouped 'connection refused' line", s.Errors)
	}
}

// Shards merge into one report: counts add, histograms merge.
func TestMergeShards(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	var dirs []string
	runs := make(chan *runrecord.Run, 2)
	for i := 0; i < 2; i++ {
		p := plan(t, srv.URL, "300", 500*time.Millisecond, nil)
		p.Shard = &runrecord.Shard{Index: i, Count: 2}
		dirs = append(dirs, p.Out)
		go func() {
			r, err := Execute(context.Background(), p)
			if err != nil {
				t.Error(err)
			}
			runs <- r
		}()
	}
	a, b := <-runs, <-runs
	if a == nil || b == nil {
		t.FailNow()
	}
	for _, r := range []*runrecord.Run{a, b} {
		s, g := r.Summary, r.Summary.Generator
		t.Logf("shard: requests %d missed %d lag p99 %s; workers %d in flight %d waiting %d dropped %d", s.Requests, s.Missed, s.DispatchLag.P99, g.Workers, g.PeakInFlight, g.PeakWaiting, g.Dropped)
	}
	rep, err := report.Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	want := a.Summary.Requests + b.Summary.Requests
	if rep.Summary.Requests != want || rep.Latency.TotalCount() != int64(want) {
		t.Fatalf("merged %d requests (hist %d), want %d", rep.Summary.Requests, rep.Latency.TotalCount(), want)
	}
	// Status codes add up code by code. (Not all 200: under -race on a
	// busy box a burst of 150 catch-up workers saw a few requests fail.)
	codes := map[string]uint64{}
	for _, r := range []*runrecord.Run{a, b} {
		for c, n := range r.Summary.StatusCodes {
			codes[c] += n
		}
	}
	if !maps.Equal(rep.Summary.StatusCodes, codes) || codes["200"] == 0 {
		t.Fatalf("merged status codes %v, shards' add up to %v", rep.Summary.StatusCodes, codes)
	}
	// Never above the two shards' 600/s (a busy machine only lowers it).
	if rep.Summary.Rate <= 0 || rep.Summary.Rate > 660 {
		t.Errorf("merged rate %.1f, want at most 600", rep.Summary.Rate)
	}
	// Intervals aligned by absolute time: the merge has no more intervals
	// than the two runs span together. (The merge itself is tested
	// exactly on golden records in pkg/report.)
	span := map[int64]bool{}
	for _, d := range dirs {
		rows, err := runrecord.ReadIntervals(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			span[r.StartMs] = true
		}
	}
	if n := len(rep.Intervals); n > len(span) {
		t.Errorf("%d merged intervals, more than the %d distinct intervals of the shards", n, len(span))
	}
}

func TestRedactPlan(t *testing.T) {
	t.Parallel()
	withPW, _ := attack.TargetsFromURLs([]string{"http://bob:hunter2@127.0.0.1/", "http://127.0.0.1/x?api_key=k3y"}, "GET", nil, nil)
	s0, _ := attack.ParseRate("1")
	for _, pt := range PlanRecord(Plan{Targets: withPW, Schedule: s0, Options: attack.DefaultOptions()}).Targets {
		if strings.Contains(pt.URL, "hunter2") || strings.Contains(pt.URL, "k3y") {
			t.Errorf("secret left in planned URL %q", pt.URL)
		}
	}
	if got := strings.Join(redactArgs(nil, []string{"attack", "-url", "http://h/x?token=k3y", "-metrics=http://u:hunter2@h/m"}), " "); strings.Contains(got, "k3y") || strings.Contains(got, "hunter2") {
		t.Errorf("secret left in recorded args %q", got)
	}
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1/"}, "GET", http.Header{"Authorization": {"Bearer s3cret"}, "X-Ok": {"1"}}, nil)
	s, _ := attack.ParseRate("1")
	rp := PlanRecord(Plan{Targets: tgts, Schedule: s, Options: attack.DefaultOptions()})
	if rp.Targets[0].Header.Get("Authorization") != "REDACTED" || rp.Targets[0].Header.Get("X-Ok") != "1" {
		t.Errorf("plan headers %v", rp.Targets[0].Header)
	}
}

// A plan with Options.Start waits for it: Started hears how late the
// attack began (never negative), run.json's shard block keeps that lag,
// and the schedule's origin is the given start.
func TestStartInstantAndLag(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	p := plan(t, srv.URL, "100", 200*time.Millisecond, nil)
	p.Shard = &runrecord.Shard{Index: 1, Count: 2}
	p.Options.Shard, p.Options.Shards = 1, 2
	start := time.Now().Add(100 * time.Millisecond)
	p.Options.Start = start
	var heard []time.Duration
	p.Started = func(lag time.Duration) { heard = append(heard, lag) }
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(heard) != 1 || heard[0] < 0 || run.Shard == nil || run.Shard.StartLag != heard[0] {
		t.Fatalf("Started heard %v, run.json start lag %+v; want one non-negative lag, recorded", heard, run.Shard)
	}
	if !run.Start.Equal(start.UTC()) {
		t.Errorf("run start %s, want the given start %s", run.Start, start.UTC())
	}
	if run.Summary.Requests+run.Summary.Missed != 10 {
		t.Errorf("%d requests + %d missed; want shard 1's 10 of 20 slots", run.Summary.Requests, run.Summary.Missed)
	}
}

// TestRetriesReachTheRecord: a target that closes every kept-alive
// connection after one response, without saying so. Every POST still
// succeeds, and the requests sent again appear in run.json's summary.
func TestRetriesReachTheRecord(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			}()
		}
	}()
	// A retry needs a second request on a kept-alive connection: a run
	// that a starved box (-race, busy loops) let send only one (the rest
	// missed) proves nothing either way, and goes again.
	for attempt := 1; ; attempt++ {
		p := plan(t, "http://"+ln.Addr().String()+"/", "20/s", 500*time.Millisecond, func(o *attack.Options) {
			o.Client, o.MaxWorkers, o.Workers = attack.ClientFast, 1, 1
		})
		p.Targets[0].Method, p.Targets[0].Body = "POST", []byte("x")
		if _, err := Execute(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		back, err := runrecord.Read(p.Out)
		if err != nil {
			t.Fatal(err)
		}
		s := back.Summary
		if s.Requests < 2 && attempt < 3 {
			t.Logf("attempt %d: %d request(s) sent, %d missed", attempt, s.Requests, s.Missed)
			continue
		}
		if s.SuccessRatio != 1 || s.Retries == 0 || s.Retries >= s.Requests {
			t.Fatalf("success %.3f, %d retries of %d requests: want all successful, some retried", s.SuccessRatio, s.Retries, s.Requests)
		}
		return
	}
}
