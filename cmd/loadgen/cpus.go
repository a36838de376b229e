package main

import (
	"math"
	"os"
	"runtime"
	"time"

	"github.com/loadgen/loadgen/pkg/runner"
)

// How many CPUs (Go's Ps, GOMAXPROCS) an attack runs on.
//
// vegeta uses every CPU (its -cpus defaults to all of them). An open-loop
// generator below a few tens of thousands of requests a second does not
// need them, and on a shared box they cost it: a second P wakes a second
// thread to look for work after most wake-ups, and at 20,000 req/s on the
// 2-vCPU boxes of BENCHMARKS.md the generator then took the core the
// target needed. With one P there, CPU per request fell by about 15 % at
// 5,000 req/s and by a third at 20,000 (34 against 52 µs), where the
// dispatch lag p99 fell by about half; at 40,000 req/s one P was not
// enough on the slower box. So an attack starts with one P per procsRate
// req/s of its peak rate (its own share of it, when sharded), at least
// one and at most what Go would use (every CPU, or a container's CPU
// limit), and gains one whenever it kept its Ps more than procsBusy busy
// for procsBusyFor procsEvery in a row (what the run record calls
// saturated): a client that costs more per request than fasthttp on a
// small target (TLS, large bodies, tracing, the collector's parsing) gets
// the CPUs it needs. A closed model (-rate 0) takes them all. -cpus N, or
// GOMAXPROCS in the environment, fixes the number instead.
const (
	procsRate  = 20000
	procsBusy  = 0.85 // the run record's own mark of a saturated generator
	procsEvery = 250 * time.Millisecond
	// procsBusyFor is how many procsEvery in a row must be busy (see grow).
	procsBusyFor = 2
)

// procsFor is the Ps an attack whose peak rate is peak req/s starts with
// on ncpu CPUs.
func procsFor(peak float64, ncpu int) int {
	if math.IsInf(peak, 1) || math.IsNaN(peak) {
		return ncpu
	}
	return max(1, min(ncpu, int(math.Ceil(peak/procsRate))))
}

// peakSamples is how many instants of a schedule peakRate looks at.
const peakSamples = 2000

// peakRate is the highest rate (req/s) this generator sends at in the
// first du of the plan (an hour when the plan runs until interrupted):
// the sum over its streams, divided among the shards. A closed model is
// +Inf. Ramps and waves are sampled, so a spike shorter than du/2000 may be
// missed: growth (see procs) covers that.
func peakRate(p runner.Plan, du time.Duration) float64 {
	if du <= 0 {
		du = time.Hour
	}
	streams := p.Streams()
	for _, sc := range streams {
		if !sc.Schedule.Open() {
			return math.Inf(1)
		}
	}
	peak := 0.0
	for i := 0; i <= peakSamples; i++ {
		t := du * time.Duration(i) / peakSamples
		if i == peakSamples {
			t = du - 1
		}
		sum := 0.0
		for _, sc := range streams {
			sum += sc.Schedule.Rate(t)
		}
		peak = max(peak, sum)
	}
	if n := p.Options.Shards; n > 1 {
		peak /= float64(n)
	}
	return peak
}

// procs is one attack's hold on GOMAXPROCS.
type procs struct {
	prev  int // GOMAXPROCS before the attack; 0 when left alone
	ncpu  int
	cpu   func() time.Duration // the process's CPU time so far
	set   func(int) int        // runtime.GOMAXPROCS (tests: a fake)
	now   func() time.Time     // time.Now (tests: a fake)
	every time.Duration        // procsEvery (tests: shorter)
	stop  chan struct{}
	done  chan struct{}
}

// startProcs sets GOMAXPROCS for an attack at peak req/s: set Ps when set
// is positive (-cpus), none when the environment sets GOMAXPROCS, else
// procsFor(peak), growing while busy. cpu reads the process's CPU time
// (nil: no growth). restore puts the old value back.
func startProcs(set int, peak float64, cpu func() time.Duration) *procs {
	// The runtime's own default is the ceiling: the CPUs, or a
	// container's CPU limit (Kubernetes), which runtime.NumCPU ignores.
	p := &procs{ncpu: runtime.GOMAXPROCS(0), cpu: cpu, set: runtime.GOMAXPROCS, now: time.Now, every: procsEvery}
	switch {
	case set > 0:
		p.prev = p.set(set)
	case os.Getenv("GOMAXPROCS") != "":
		// The user's choice, left alone (and the CLI's tests' choice: their
		// attacks share one process).
	default:
		p.prev = p.set(procsFor(peak, p.ncpu))
		p.startGrowth()
	}
	return p
}

// startGrowth starts grow, unless there is nothing to grow to or no way
// to tell.
func (p *procs) startGrowth() {
	if p.cpu == nil || p.set(0) >= p.ncpu {
		return
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.grow()
}

// grow adds a P whenever the process kept its Ps more than procsBusy busy
// over procsBusyFor checks in a row, up to every CPU. One busy check is
// not enough: at 20,000 req/s on the box of BENCHMARKS.md one P is 62-84 %
// busy, and a hiccup of the box (a GC cycle, a neighbour) can take it past
// 85 % for a moment, after which it would keep the second P, and the lag
// of two, for good. Checks that are too far apart cost the schedule: a
// second of one saturated P at the start of an attack that needs two
// built a backlog that took the lag p99 of 10 s at 20,000 req/s from
// 0.7-1.5 ms to 1.0-4.3 ms. It never takes a P away: a P too many costs a
// little CPU, a P too few costs the schedule.
func (p *procs) grow() {
	defer close(p.done)
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	last, at := p.cpu(), p.now()
	streak := 0
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		// The clock is read with the CPU time, not taken from the tick,
		// which a busy process receives late.
		used, now := p.cpu(), p.now()
		n := p.set(0)
		streak++
		if !busy(used-last, now.Sub(at), n) {
			streak = 0
		}
		if streak >= procsBusyFor {
			n = p.set(n+1) + 1
			streak = 0
		}
		if n >= p.ncpu {
			return
		}
		last, at = used, now
	}
}

// busy reports whether cpu time used over el kept n Ps more than procsBusy
// busy.
func busy(cpu, el time.Duration, n int) bool {
	return el > 0 && float64(cpu) > procsBusy*float64(n)*float64(el)
}

// restore ends growth and puts GOMAXPROCS back as it was.
func (p *procs) restore() {
	if p.stop != nil {
		close(p.stop)
		<-p.done
	}
	if p.prev > 0 {
		p.set(p.prev)
	}
}
