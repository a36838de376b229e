package attack

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestNeedIsLittlesLaw pins the ceiling of worker growth: rate x the mean
// time a worker is busy per hit x 2, plus the initial workers, capped; before
// any response (or in a stall) the time since the last one stands in for
// the busy time, so a slow or stalled target gets its concurrency.
func TestNeedIsLittlesLaw(t *testing.T) {
	t0 := time.Unix(5000, 0)
	mk := func(rate int, shards uint64) *run {
		a := &Attacker{
			scs:  []Scenario{{Schedule: Constant{Freq: rate, Per: time.Second}}},
			opts: Options{Workers: 10, MaxWorkers: 1024},
		}
		return &run{a: a, began: t0, disp: &dispenser{shards: shards}}
	}

	r := mk(2000, 1)
	r.busySum, r.busyN = 3*200*time.Millisecond, 3
	r.lastEnd.Store(t0.Add(time.Second).UnixNano())
	if got, _ := r.need(t0.Add(time.Second)); got != 810 {
		t.Errorf("2000/s at 200 ms per hit: need %d, want 810 (2000 x 0.2 s x 2 + 10)", got)
	}
	// The mean busy time since the last look counts, and is kept.
	r.busySum, r.busyN = 500*time.Microsecond+1500*time.Microsecond, 2
	if got, _ := r.need(t0.Add(time.Second)); got != 14 {
		t.Errorf("2000/s at 1 ms: need %d, want 14", got)
	}
	if got, _ := r.need(t0.Add(time.Second)); got != 14 {
		t.Errorf("no new hit since: need %d, want the last figure, 14", got)
	}

	// No response yet, requests in flight for 50 ms: a slow target.
	r = mk(2000, 1)
	r.inflight.Store(10)
	if got, _ := r.need(t0.Add(50 * time.Millisecond)); got != 210 {
		t.Errorf("nothing back after 50 ms at 2000/s: need %d, want 210", got)
	}
	// A stall: the last response 2 s ago; capped at MaxWorkers.
	r.lastEnd.Store(t0.Add(time.Second).UnixNano())
	r.busy = 100 * time.Microsecond
	if got, _ := r.need(t0.Add(3 * time.Second)); got != 1024 {
		t.Errorf("stalled for 2 s at 2000/s: need %d, want the cap 1024", got)
	}

	// One shard of four sees a quarter of the rate.
	r = mk(40000, 4)
	r.busySum, r.busyN = time.Millisecond, 1
	if got, _ := r.need(t0.Add(time.Second)); got != 30 {
		t.Errorf("shard of 40000/s at 1 ms: need %d, want 30 (10000 x 0.001 x 2 + 10)", got)
	}
}

// schedLatency sees goroutines queue for a CPU: with four goroutines per
// P that each spin 50 µs and yield, 200 times, the yielded ones wait
// behind the others, and the p99 of the interval is at least tens of µs
// (the runtime samples one scheduling event in eight; load on the machine
// only makes waits longer). The p99, not the controller's p90: the
// interval holds every goroutine's events, and goroutines an earlier test
// left winding down once outnumbered the spinners' ~200 sampled events
// (p90 192ns in the busy-loop series, 1 run in 10).
func TestSchedLatencySeesQueueing(t *testing.T) {
	s := newSchedLatency()
	s.quantile(0.9) // start the interval
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				for end := time.Now().Add(50 * time.Microsecond); time.Now().Before(end); {
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	if q := s.quantile(0.99); q < 10*time.Microsecond {
		t.Fatalf("p99 scheduling latency %s with 4 spinning goroutines per P; want >= 10µs", q)
	}
}

// TestGrowth pins the controller's step: as many workers as slots wait
// beyond the idle ones, up to Little's law's need, at once (a slow target
// at 2,000/s that needs 400 in flight gets them in a step or two, not in
// tens of quarter steps); a generator short of CPU grows by a quarter per
// step to at most starvedCap.
func TestGrowth(t *testing.T) {
	for _, c := range []struct {
		name            string
		excess, n, need uint64
		starved         bool
		want            uint64
	}{
		{"slow target, 163 waiting", 163, 10, 420, false, 163},
		{"up to the need", 500, 10, 420, false, 410},
		{"at the need", 50, 420, 420, false, 0},
		{"starved: a quarter per step", 163, 40, 420, true, 10},
		{"starved: at least one", 163, 2, 420, true, 1},
		{"starved: capped", 163, 60, 420, true, starvedCap - 60},
		{"starved at the cap", 163, starvedCap, 420, true, 0},
	} {
		if got := growth(c.excess, c.n, c.need, c.starved); got != c.want {
			t.Errorf("%s: growth(%d, %d, %d, %v) = %d, want %d", c.name, c.excess, c.n, c.need, c.starved, got, c.want)
		}
	}
}

// TestRetirable pins retirement: down to the larger of twice the most in
// flight over the period and Little's law's need (which counts the
// initial workers), never below.
func TestRetirable(t *testing.T) {
	for _, c := range []struct{ n, need, peak, want uint64 }{
		{1024, 14, 3, 1010}, // after a stall, a fast target again
		{1024, 14, 600, 0},  // still busy
		{30, 14, 10, 10},    // twice the peak
		{30, 40, 2, 0},      // Little's law needs them
		{10, 10, 0, 0},      // the initial workers stay
	} {
		if got := retirable(c.n, c.need, c.peak); got != c.want {
			t.Errorf("retirable(%d, need %d, peak %d) = %d, want %d", c.n, c.need, c.peak, got, c.want)
		}
	}
}

// TestNoWorkerStartsAfterTheLastLeft: once every worker has left (the
// slots or a -lazy stream ran out), the run's workers are finished and the
// controller cannot start another: with a sync.WaitGroup it could, after
// Wait had returned (the race detector's report on lazy.txtar), and the
// late worker ran past the end of the run.
func TestNoWorkerStartsAfterTheLastLeft(t *testing.T) {
	t.Parallel()
	o := DefaultOptions()
	o.Duration = time.Second
	a, err := New(targetsFor(t, "http://127.0.0.1:1/"), Constant{Freq: 10, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	r := a.newRun(func(*Result) {}, o.Duration)
	r.began = time.Now()
	r.disp.start(r.began)
	r.disp.close() // every claim fails: each worker leaves at once
	for range 3 {
		if !r.spawn() {
			t.Fatal("a worker was refused before any had left")
		}
	}
	select {
	case <-r.finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the workers did not finish")
	}
	if r.spawn() {
		t.Error("a worker started after the last one had left")
	}
}
