package main

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runner"
)

func TestProcsFor(t *testing.T) {
	for _, c := range []struct {
		peak float64
		ncpu int
		want int
	}{
		{50, 8, 1},
		{5000, 8, 1},
		{20000, 8, 1},
		{20001, 8, 2},
		{40000, 2, 2},
		{100000, 2, 2},
		{100000, 16, 5},
		{0, 4, 1},
		{math.Inf(1), 4, 4}, // a closed model
	} {
		if got := procsFor(c.peak, c.ncpu); got != c.want {
			t.Errorf("procsFor(%v, %d) = %d, want %d", c.peak, c.ncpu, got, c.want)
		}
	}
}

func TestPeakRate(t *testing.T) {
	ramp, err := attack.ParseStages("2s:1000,3s:30000,5s:100")
	if err != nil {
		t.Fatal(err)
	}
	sine, err := attack.NewSine(10*time.Second, 5000, 2000, 0)
	if err != nil {
		t.Fatal(err)
	}
	constant := attack.Constant{Freq: 5000, Per: time.Second}
	for _, c := range []struct {
		name string
		plan runner.Plan
		du   time.Duration
		want float64
	}{
		{"constant", runner.Plan{Schedule: constant}, 10 * time.Second, 5000},
		{"constant until interrupted", runner.Plan{Schedule: constant}, 0, 5000},
		{"ramp", runner.Plan{Schedule: ramp}, 10 * time.Second, 30000},
		{"sine", runner.Plan{Schedule: sine}, 10 * time.Second, 7000},
		{"closed", runner.Plan{Schedule: attack.Constant{}}, 10 * time.Second, math.Inf(1)},
		{"scenarios add up", runner.Plan{Scenarios: []runner.Scenario{{Schedule: constant}, {Schedule: ramp}}}, 10 * time.Second, 35000},
		{"a shard's share", runner.Plan{Schedule: constant, Options: attack.Options{Shards: 4}}, 10 * time.Second, 1250},
	} {
		got := peakRate(c.plan, c.du)
		if math.IsInf(c.want, 1) != math.IsInf(got, 1) || (!math.IsInf(c.want, 1) && math.Abs(got-c.want) > c.want/100) {
			t.Errorf("%s: peakRate = %v, want %v", c.name, got, c.want)
		}
	}
}

// fakeProcs is GOMAXPROCS, the process's CPU time and a clock, for grow:
// each read of the CPU time is one fake second later, a second in which
// the process kept each of its Ps busy for the share busy of it.
type fakeProcs struct {
	mu     sync.Mutex
	n      int
	cpu    time.Duration
	busy   float64
	at     time.Time
	nreads int // reads of the CPU time
}

func (f *fakeProcs) reads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nreads
}

func (f *fakeProcs) set(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.n
	if n > 0 {
		f.n = n
	}
	return old
}

func (f *fakeProcs) cpuTime() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at = f.at.Add(time.Second)
	f.nreads++
	f.cpu += time.Duration(f.busy * float64(f.n) * float64(time.Second))
	return f.cpu
}

func (f *fakeProcs) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.at
}

func (f *fakeProcs) get() int { return f.set(0) }

// A process that keeps its Ps busy gains one per procsBusyFor busy checks
// in a row, up to every CPU; one that does not keeps what it started
// with; restore puts the old value back either way.
func TestProcsGrowWhileBusy(t *testing.T) {
	for _, c := range []struct {
		name string
		busy float64
		want int
	}{
		{"busy", 0.9, 4},
		{"not busy", 0.8, 1},
	} {
		f := &fakeProcs{n: 2, busy: c.busy}
		p := &procs{ncpu: 4, cpu: f.cpuTime, set: f.set, now: f.now, every: time.Millisecond}
		p.prev = p.set(1)
		p.startGrowth()
		deadline := time.Now().Add(10 * time.Second)
		for f.get() < c.want && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if c.want == 1 {
			time.Sleep(50 * time.Millisecond) // many checks
		}
		if c.want == 4 && f.reads() < 2*3 {
			t.Errorf("%s: grew after %d checks; it takes %d busy ones in a row per P", c.name, f.reads(), procsBusyFor)
		}
		if got := f.get(); got != c.want {
			t.Errorf("%s: %d Ps, want %d", c.name, got, c.want)
		}
		p.restore()
		if got := f.get(); got != 2 {
			t.Errorf("%s: restore left %d Ps, want the 2 from before", c.name, got)
		}
	}
}

func TestBusy(t *testing.T) {
	if !busy(900*time.Millisecond, time.Second, 1) {
		t.Error("90% of one P is busy")
	}
	if busy(900*time.Millisecond, time.Second, 2) {
		t.Error("45% of two Ps is not busy")
	}
	if busy(time.Second, 0, 1) {
		t.Error("no time elapsed: not busy")
	}
}
