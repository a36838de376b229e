package attack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// loopback starts a real HTTP server on 127.0.0.1 for the test.
func loopback(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func ok200(w http.ResponseWriter, _ *http.Request) {}

func targetsFor(t testing.TB, urls ...string) []vegeta.Target {
	t.Helper()
	tg, err := TargetsFromURLs(urls, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestNeverSentBeforeDue checks the invariant intended-time latency rests
// on, for every client and pacing: hit Seq n is sent at or after
// began+Due(n), every slot is sent once, and Intended is exactly that slot.
func TestNeverSentBeforeDue(t *testing.T) {
	t.Parallel() // load can only send later, never earlier; slots are counted, not timed
	url := loopback(t, ok200)
	// 2,000/s waits on the timerfd; 20,000/s (gaps under busyGap) on the
	// runtime's timers, with the alarm.
	for _, rate := range []int{2000, 20000} {
		for _, client := range []string{ClientNet, ClientFast} {
			for _, pacing := range []string{PacingCoarse, PacingPrecise} {
				t.Run(strconv.Itoa(rate)+"/"+client+"/"+pacing, func(t *testing.T) {
					sched := Constant{Freq: rate, Per: time.Second}
					o := DefaultOptions()
					o.Duration = 300 * time.Millisecond / time.Duration(rate/1000)
					slots := uint64(rate) * uint64(o.Duration) / uint64(time.Second)
					o.Client, o.Pacing = client, pacing
					a, err := New(targetsFor(t, url), sched, o)
					if err != nil {
						t.Fatal(err)
					}
					if a.Client() != client {
						t.Fatalf("client %s, want %s", a.Client(), client)
					}
					var got []Result
					out := a.Run(context.Background(), func(r *Result) { got = append(got, *r) })
					// Keeping the schedule is for benchmarks; a slow (race)
					// build may miss slots, but every slot is accounted for.
					if uint64(len(got)) != out.Sent || out.Sent+out.Missed != slots || out.Sent == 0 {
						t.Fatalf("sent %d, recorded %d, missed %d; want sent = recorded, sent + missed = %d", out.Sent, len(got), out.Missed, slots)
					}
					// Precise pacing has an alarm wherever it has a timerfd;
					// coarse pacing never.
					if al := a.live.Load().alarm; (al != nil) != (pacing == PacingPrecise && hasTimerfd) {
						t.Fatalf("alarm %v with %s pacing", al != nil, pacing)
					}
					seen := map[uint64]bool{}
					for _, r := range got {
						due, _ := sched.Due(r.Seq)
						slot := out.Began.Add(due)
						if r.Sent.Before(slot) {
							t.Fatalf("hit %d sent %s before its slot", r.Seq, slot.Sub(r.Sent))
						}
						if !r.Intended.Equal(slot) || r.Lag != r.Sent.Sub(slot) || r.Latency != r.End.Sub(slot) {
							t.Fatalf("hit %d: intended %v lag %v latency %v do not match slot %v", r.Seq, r.Intended, r.Lag, r.Latency, slot)
						}
						if r.Code != 200 || r.Error != "" {
							t.Fatalf("hit %d: %d %q", r.Seq, r.Code, r.Error)
						}
						if seen[r.Seq] {
							t.Fatalf("seq %d recorded twice", r.Seq)
						}
						seen[r.Seq] = true
					}
					if out.WireIn == 0 || out.WireOut == 0 {
						t.Fatalf("wire bytes not counted: in %d out %d", out.WireIn, out.WireOut)
					}
				})
			}
		}
	}
}

// TestStallingTargetCountsWait: with one worker and a target that stalls
// the first request, later slots wait for the worker and intended-time
// latency includes that wait (no coordinated omission).
func TestStallingTargetCountsWait(t *testing.T) {
	t.Parallel() // a lower bound on latency: load can only lengthen it
	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			var once sync.Once
			url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
				once.Do(func() { time.Sleep(200 * time.Millisecond) })
			})
			o := DefaultOptions()
			o.Duration, o.Workers, o.MaxWorkers, o.Client = 100*time.Millisecond, 1, 1, client
			a, err := New(targetsFor(t, url), Constant{Freq: 100, Per: time.Second}, o)
			if err != nil {
				t.Fatal(err)
			}
			var worst time.Duration
			out := a.Run(context.Background(), func(r *Result) { worst = max(worst, r.Latency) })
			if out.Sent == 0 || worst < 150*time.Millisecond {
				t.Fatalf("sent %d, worst latency %s: the stall's wait is not in intended-time latency", out.Sent, worst)
			}
		})
	}
}

// TestWaitForConnectionChargedFromIntended: with one worker and one
// connection, the server holds the first request until the test releases
// it; the slots due meanwhile wait for the connection, and each is charged
// from its intended time, so its latency is at least the time from its
// slot to the release. Load can only make latencies longer.
func TestWaitForConnectionChargedFromIntended(t *testing.T) {
	t.Parallel() // lower bounds and counts only
	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			held := make(chan struct{})
			release := make(chan struct{})
			var first sync.Once
			url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
				first.Do(func() {
					close(held)
					<-release
				})
			})
			o := DefaultOptions()
			// 1 s, parallel: a starved box may hold the first request
			// late, and slots due during the hold must still be in the run.
			o.Duration, o.Workers, o.MaxWorkers, o.MaxConnections, o.Client = time.Second, 1, 1, 1, client
			a, err := New(targetsFor(t, url), Constant{Freq: 100, Per: time.Second}, o)
			if err != nil {
				t.Fatal(err)
			}
			relAt := make(chan time.Time, 1)
			go func() {
				<-held
				time.Sleep(150 * time.Millisecond)
				relAt <- time.Now()
				close(release)
			}()
			var got []Result
			out := a.Run(context.Background(), func(r *Result) { got = append(got, *r) })
			releasedAt := <-relAt
			if uint64(len(got)) != out.Sent || out.Sent+out.Missed != 100 || out.Dropped != 0 {
				t.Fatalf("sent %d, missed %d, dropped %d, recorded %d; want sent + missed = 100 slots, none dropped", out.Sent, out.Missed, out.Dropped, len(got))
			}
			if out.Workers != 1 || out.PeakInFlight != 1 || out.PeakWaiting < 1 {
				t.Fatalf("workers %d, peak in flight %d, peak waiting %d; want 1, 1, >= 1", out.Workers, out.PeakInFlight, out.PeakWaiting)
			}
			waited := 0
			for _, r := range got {
				if r.Seq == 0 || !r.Intended.Before(releasedAt) {
					continue // the held one, or due after the release
				}
				waited++
				if min := releasedAt.Sub(r.Intended); r.Latency < min || r.Waited <= 0 || r.Lag < r.Waited {
					t.Errorf("slot %d: latency %s waited %s lag %s; want latency >= %s (its slot to the release), waited > 0, lag >= waited",
						r.Seq, r.Latency, r.Waited, r.Lag, min)
				}
			}
			if waited == 0 {
				t.Fatal("no slot was due during the hold and sent after it")
			}
		})
	}
}

// TestScenariosAttack: two scenarios share one attack and one clock; each
// scenario's results carry its index, go to its own target and count in
// its own outcome.
func TestScenariosAttack(t *testing.T) {
	var hitsA, hitsB atomic.Int64
	a1 := loopback(t, func(w http.ResponseWriter, _ *http.Request) { hitsA.Add(1) })
	b1 := loopback(t, func(w http.ResponseWriter, _ *http.Request) { hitsB.Add(1) })
	o := DefaultOptions()
	o.Duration = 100 * time.Millisecond
	a, err := NewScenarios([]Scenario{
		{Name: "a", Schedule: Constant{Freq: 100, Per: time.Second}, Targets: targetsFor(t, a1)},
		{Name: "b", Schedule: Constant{Freq: 300, Per: time.Second}, Targets: targetsFor(t, b1)},
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	per := [2]uint64{}
	out := a.Run(context.Background(), func(r *Result) { per[r.Scenario]++ })
	if len(out.Scenarios) != 2 || out.Scenarios[0].Name != "a" || out.Scenarios[1].Name != "b" {
		t.Fatalf("scenario outcomes %+v", out.Scenarios)
	}
	for i, want := range []uint64{10, 30} {
		so := out.Scenarios[i]
		if so.Due != want || so.Sent+so.Missed != want || per[i] != so.Sent {
			t.Errorf("scenario %d: due %d sent %d missed %d recorded %d; want due %d", i, so.Due, so.Sent, so.Missed, per[i], want)
		}
	}
	if uint64(hitsA.Load()) != per[0] || uint64(hitsB.Load()) != per[1] {
		t.Errorf("targets got %d and %d hits, results say %v", hitsA.Load(), hitsB.Load(), per)
	}
}

// TestStallIsBounded: a target that holds every request until the test
// releases it, at 1,000 slots/s with a cap of 40 workers. However long the
// stall and however busy the machine, the attack runs at most 40 workers,
// 40 requests in flight and 40 connections, its goroutines stay bounded,
// and every slot is either sent (the backlog drains after the release) or
// counted as missed.
func TestStallIsBounded(t *testing.T) {
	release := make(chan struct{})
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { <-release }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	o := DefaultOptions()
	o.Duration, o.MaxWorkers = 300*time.Millisecond, 40
	a, err := New(targetsFor(t, srv.URL), Constant{Freq: 1000, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(400 * time.Millisecond) // past the duration: a stall to the end
		close(release)
	}()
	base := runtime.NumGoroutine()
	errs := 0
	out := a.Run(context.Background(), func(r *Result) {
		if r.Error != "" {
			errs++
		}
	})
	if out.Workers > 40 || out.PeakInFlight > 40 || out.Conns > 40 || conns.Load() > 40 {
		t.Errorf("workers %d, in flight %d, connections %d (server saw %d); want all <= 40", out.Workers, out.PeakInFlight, out.Conns, conns.Load())
	}
	// The process holds the in-process server too: two goroutines per
	// connection while its handler blocks (the handler and net/http's
	// background read). One more per worker, and a few of the runtime's.
	if limit := base + 40 + 2*40 + 20; out.PeakGoroutines > limit {
		t.Errorf("peak goroutines %d (started with %d), want <= %d: more than one per worker", out.PeakGoroutines, base, limit)
	}
	if out.Sent+out.Missed != 300 || errs != 0 {
		t.Errorf("sent %d missed %d errors %d; want sent + missed = 300, no error", out.Sent, out.Missed, errs)
	}
	if out.PeakWaiting == 0 {
		t.Error("no slot was seen waiting during the stall")
	}
}

// TestWorkersRetireAfterAStall: a target that holds every request for its
// first 300 ms at 400/s makes the workers grow; then the rate drops to
// 20/s against a target that answers at once, so the most in flight over
// a period is a few and Little's law needs about -workers, and the
// workers the load no longer needs retire at a later look back (every
// 400 ms here), however slowly a busy machine drains the stall. The
// attack goes on with the rest, and every slot is still sent once.
func TestWorkersRetireAfterAStall(t *testing.T) {
	// Not parallel: retirement needs a look back after the stall has
	// drained, and side by side with the others under -race on a busy
	// box none came before the end (0 of 55 retired).
	var t0 atomic.Int64
	url := loopback(t, func(w http.ResponseWriter, _ *http.Request) {
		t0.CompareAndSwap(0, time.Now().UnixNano())
		if d := 300*time.Millisecond - time.Since(time.Unix(0, t0.Load())); d > 0 {
			time.Sleep(d)
		}
	})
	sched, err := NewStages([]Stage{{Target: 400}, {Duration: 300 * time.Millisecond, Target: 400}, {Target: 20}, {Duration: 2200 * time.Millisecond, Target: 20}})
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = 2500 * time.Millisecond
	a, err := New(targetsFor(t, url), sched, o)
	if err != nil {
		t.Fatal(err)
	}
	a.retireEvery = 400 * time.Millisecond
	var ok atomic.Uint64
	out := a.Run(context.Background(), func(r *Result) {
		if r.Error == "" {
			ok.Add(1)
		}
	})
	want := sched.Hits(o.Duration)
	if out.Sent != want || ok.Load() != want {
		t.Fatalf("sent %d, %d without error; want %d", out.Sent, ok.Load(), want)
	}
	t.Logf("workers %d, retired %d", out.Workers, out.Retired)
	if out.Workers < 20 {
		t.Errorf("at most %d workers during a 300 ms stall at 400/s; want the workers to grow (>= 20)", out.Workers)
	}
	if out.Retired == 0 || out.Retired >= out.Workers {
		t.Errorf("%d of %d workers retired; want some, not all", out.Retired, out.Workers)
	}
	if l := a.Live(); l.Workers > out.Workers-out.Retired {
		t.Errorf("live workers %d after %d retired of %d", l.Workers, out.Retired, out.Workers)
	}
}

// TestStartIsTheTimeOrigin: with Options.Start, slot n is due at
// Start+Due(n) whenever Run is called, so shards that share Start send one
// schedule between them; nothing leaves before Start.
func TestStartIsTheTimeOrigin(t *testing.T) {
	url := loopback(t, ok200)
	sched := Constant{Freq: 100, Per: time.Second}
	o := DefaultOptions()
	o.Duration = 100 * time.Millisecond
	o.Start = time.Now().Add(50 * time.Millisecond)
	a, err := New(targetsFor(t, url), sched, o)
	if err != nil {
		t.Fatal(err)
	}
	var got []Result
	out := a.Run(context.Background(), func(r *Result) { got = append(got, *r) })
	if !out.Began.Equal(o.Start) {
		t.Fatalf("began %s, want Start %s", out.Began, o.Start)
	}
	if len(got) == 0 {
		t.Fatal("nothing sent")
	}
	for _, r := range got {
		due, _ := sched.Due(r.Seq)
		if want := o.Start.Add(due); !r.Intended.Equal(want) || r.Sent.Before(want) {
			t.Fatalf("slot %d intended %s sent %s; want intended = Start+Due = %s, sent no earlier", r.Seq, r.Intended, r.Sent, want)
		}
	}
}

// TestShardsSendOneSchedule: shard I of N sends exactly the slots n with
// n mod N = I, each at its own Due(n) from the shared Start, with targets
// round-robin over the global slot number; together the shards send every
// slot of the one schedule once.
func TestShardsSendOneSchedule(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
	})
	sched := Constant{Freq: 400, Per: time.Second}
	const shards = 3
	start := time.Now().Add(20 * time.Millisecond)
	seen := map[uint64]bool{}
	var due uint64
	for shard := uint64(0); shard < shards; shard++ {
		o := DefaultOptions()
		o.Duration = 100 * time.Millisecond
		o.Start, o.Shard, o.Shards = start, shard, shards
		a, err := New(targetsFor(t, url+"/a", url+"/b"), sched, o)
		if err != nil {
			t.Fatal(err)
		}
		out := a.Run(context.Background(), func(r *Result) {
			d, _ := sched.Due(r.Seq)
			if r.Seq%shards != shard || !r.Intended.Equal(start.Add(d)) || seen[r.Seq] {
				t.Errorf("shard %d sent slot %d intended +%s (repeat %v); want n mod %d = %d at +%s", shard, r.Seq, r.Intended.Sub(start), seen[r.Seq], shards, shard, d)
			}
			seen[r.Seq] = true
		})
		due += out.Due
		if out.Sent+out.Missed != out.Due {
			t.Errorf("shard %d: sent %d + missed %d != due %d", shard, out.Sent, out.Missed, out.Due)
		}
	}
	if due != 40 {
		t.Errorf("shards' due slots add up to %d, want the schedule's 40", due)
	}
	if _, err := New(targetsFor(t, url), sched, Options{Timeout: time.Second, Shard: 3, Shards: 3}); !errors.Is(err, ErrBadShard) {
		t.Errorf("shard 3 of 3: got %v, want ErrBadShard", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if a, b := hits["/a"], hits["/b"]; a+b != len(seen) || a-b > 1 || b-a > 1 {
		t.Errorf("targets hit /a %d, /b %d: want round-robin over the global slot number", a, b)
	}
}

// TestResultTarget: every result names the target it was sent to, which is
// what endpoint groups are recorded by. The server answers each path with
// its own status, so a wrong index shows as a wrong code.
func TestResultTarget(t *testing.T) {
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/b" {
			w.WriteHeader(http.StatusAccepted)
		}
	})
	o := DefaultOptions()
	o.Duration = 100 * time.Millisecond
	a, err := New(targetsFor(t, url+"/a", url+"/b", url+"/a"), Constant{Freq: 300, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	var n [3]int
	a.Run(context.Background(), func(r *Result) {
		want := uint16(http.StatusOK)
		if r.Target == 1 {
			want = http.StatusAccepted
		}
		if r.Code != want || uint64(r.Target) != r.Seq%3 {
			t.Errorf("hit %d: target %d, code %d", r.Seq, r.Target, r.Code)
		}
		n[r.Target]++
	})
	if n[0] == 0 || n[1] == 0 || n[2] == 0 {
		t.Fatalf("hits per target %v: want every target hit", n)
	}
}

// A worker keeps at most maxPrebuilt requests built, however many targets
// there are, and still sends each hit to its own target: a file of 10,000
// URLs costs neither memory per worker nor a slow start per worker.
func TestManyTargetsBoundedPerWorker(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
	})
	var urls []string
	for i := 0; i < 10_000; i++ {
		urls = append(urls, url+"/users/"+strconv.Itoa(i))
	}
	tgts := targetsFor(t, urls...)
	o := DefaultOptions()
	o.Client = ClientFast
	rt, err := newRoute(o)
	if err != nil {
		t.Fatal(err)
	}
	fs := newFastSender(o, tgts, newConnTracker(), rt)
	c := fs.newConn().(*fastConn)
	if len(c.reqs) != maxPrebuilt {
		t.Fatalf("a worker built %d requests for %d targets, want %d", len(c.reqs), len(tgts), maxPrebuilt)
	}
	for _, i := range []int{5, 9_999, 5 + maxPrebuilt, 5} {
		var r Result
		c.send(i, uint64(i), &r)
		if r.Error != "" {
			t.Fatal(r.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["/users/5"] != 2 || seen["/users/9999"] != 1 || seen["/users/69"] != 1 || len(seen) != 3 {
		t.Errorf("requests by path %v", seen)
	}
}
