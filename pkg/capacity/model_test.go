package capacity

import (
	"context"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// fakeTarget measures a step from a model of a target instead of attacking
// one (the stepRunner seam): it feeds the step's intervals to the search's
// own early-stop watcher, evaluates the step's SLO on the modelled summary
// and writes a real run record, in microseconds and the same way every
// time. The search logic above the seam is the production code.
type fakeTarget struct {
	// model says what a step at rate measures on its attempt-th try at
	// that rate (0 = first).
	model func(rate, attempt int) ramp
	// hook, if set, is called before each interval of each step (step
	// counts executions from 1, interval from 0) and, with interval -1, at
	// each warm-up: tests cancel the search from it.
	hook func(step, interval int)

	mu       sync.Mutex
	plans    []runner.Plan // every step's plan as the search built it
	warmups  []int         // rates warmed up, in order
	attempts map[int]int
}

// ramp is what a step measures: latency that starts at Start and grows by
// Slope seconds per second of the step (a queue building up when the rate
// is above capacity; 0 below it), the share of requests that succeed, and
// the most successful responses per second the target gives (0: no limit).
type ramp struct {
	Start    time.Duration
	Slope    float64
	Success  float64
	Capacity float64
}

// at is the latency of a request due at elapsed into the step.
func (r ramp) at(elapsed time.Duration) time.Duration {
	return r.Start + time.Duration(r.Slope*float64(elapsed))
}

// summary is the run summary of a step at rate that sent for d: on a
// linear ramp the q-quantile of latency is the latency at q*d.
func (r ramp) summary(rate int, d time.Duration) runrecord.Summary {
	q := func(f float64) time.Duration { return r.at(time.Duration(f * float64(d))) }
	lat := runrecord.Latency{Min: q(0), Mean: q(0.5), P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), P999: q(0.999), Max: q(1)}
	sent := uint64(float64(rate) * d.Seconds())
	thr := float64(rate) * r.Success
	if r.Capacity > 0 {
		thr = min(thr, r.Capacity)
	}
	ok := uint64(math.Round(float64(sent) * r.Success))
	return runrecord.Summary{
		Requests: sent, SuccessRatio: r.Success, Rate: float64(rate), Throughput: thr,
		Duration: d, Latency: lat, ServiceLatency: lat,
		StatusCodes: map[string]uint64{"200": ok, "503": sent - ok},
	}
}

func newFakeTarget(model func(rate, attempt int) ramp) *fakeTarget {
	return &fakeTarget{model: model, attempts: map[int]int{}}
}

func (f *fakeTarget) warmup(ctx context.Context, rate int, d time.Duration) error {
	f.mu.Lock()
	f.warmups = append(f.warmups, rate)
	f.mu.Unlock()
	if f.hook != nil {
		f.hook(len(f.plans)+1, -1)
	}
	return nil
}

// epoch is the fake clock's start: records made from the model have the
// same times on every run.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (f *fakeTarget) execute(ctx context.Context, p runner.Plan) (*runrecord.Run, error) {
	rate := p.Schedule.(attack.Constant).Freq
	f.mu.Lock()
	attempt := f.attempts[rate]
	f.attempts[rate]++
	f.plans = append(f.plans, p)
	step := len(f.plans)
	f.mu.Unlock()
	r := f.model(rate, attempt)
	iv := p.Interval
	begin := epoch.Add(time.Duration(step) * time.Minute)
	var elapsed time.Duration
	for i := 0; elapsed < p.Options.Duration; i++ {
		if f.hook != nil {
			f.hook(step, i)
		}
		if ctx.Err() != nil {
			break
		}
		elapsed += iv
		sent := uint64(float64(rate) * iv.Seconds())
		med := r.at(elapsed - iv/2)
		p.Progress(recording.IntervalStats{
			Start: begin.Add(elapsed - iv), Completed: sent, P50: med, ServiceP50: med, P99: r.at(elapsed),
			Requests:    uint64(float64(rate) * elapsed.Seconds()),
			ErrorsSoFar: uint64(math.Round((1 - r.Success) * float64(rate) * elapsed.Seconds())),
		})
	}
	run := &runrecord.Run{
		Kind: "attack", Name: p.Name, Plan: runner.PlanRecord(p),
		Start: begin, End: begin.Add(elapsed), Interrupted: ctx.Err() != nil,
		Interval: int64(iv), Summary: r.summary(rate, elapsed),
	}
	run.Summary.SLO = p.SLO.Evaluate(run.Summary)
	if err := os.MkdirAll(p.Out, 0o755); err != nil {
		return nil, err
	}
	return run, runrecord.Write(p.Out, run)
}

// rates lists the steps' rates in the order they ran.
func (f *fakeTarget) rates() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int
	for _, p := range f.plans {
		out = append(out, p.Schedule.(attack.Constant).Freq)
	}
	return out
}

// queue models a service with c slots of service time s: a capacity of
// capacity requests/s. Below it a constant rate never queues and latency
// stays s; above it the queue, and the wait from each request's intended
// send time, grows by (rate/capacity - 1) seconds per second.
func queue(capacity float64, s time.Duration) func(rate, attempt int) ramp {
	return func(rate, _ int) ramp {
		return ramp{Start: s, Slope: max(0, float64(rate)/capacity-1), Success: 1, Capacity: capacity}
	}
}

// recordedStep is one step as a live search measured it.
type recordedStep struct {
	rate     int
	duration time.Duration // measured window (shorter when stopped early)
	p50, p99 time.Duration
	thr      float64
	success  float64
}

// recordedC4S20 are the steps a live search measured against
// demotarget.Work with 4 slots of 20 ms (capacity 200/s), 2 s steps, on a
// 2-core box (TestSearchFindsKnownCapacity before the search had a seam).
// A failing rate was measured twice (a retry): both attempts are here.
var recordedC4S20 = []recordedStep{
	{50, 2 * time.Second, ms(21.59), ms(22.81), 49.5, 1},
	{100, 2 * time.Second, ms(21.18), ms(24.08), 99.0, 1},
	{200, 2 * time.Second, ms(24.64), ms(29.1), 197.3, 1},
	{400, ms(822.48), ms(430.7), ms(832.57), 198.4, 1},
	{400, ms(818.14), ms(423.89), ms(823.66), 198.4, 1},
	{300, ms(748.11), ms(202.38), ms(387.71), 197.5, 1},
	{300, ms(826.6), ms(222.82), ms(428.34), 197.3, 1},
	{250, ms(847.69), ms(125.5), ms(229.11), 196.6, 1},
	{250, ms(858.46), ms(126.42), ms(230.42), 196.4, 1},
	{225, ms(1088), ms(87.62), ms(155.06), 196.9, 1},
	{225, ms(1171), ms(93.19), ms(164.5), 197.0, 1},
	{212, ms(1560), ms(68.16), ms(114.23), 197.4, 1},
	{212, ms(1422), ms(63.5), ms(105.05), 197.2, 1},
	{206, 2 * time.Second, ms(51.94), ms(81.72), 198.0, 1},
	{206, 2 * time.Second, ms(52.04), ms(83.76), 198.0, 1},
}

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

// replay models a target by recorded steps: the ramp that reproduces each
// recorded step's p50 and p99 over its window (on a linear ramp over d,
// p50 is at d/2 and p99 at 0.99d). The k-th attempt at a rate replays the
// k-th recording of it (the last one when there are fewer); a rate never
// recorded is interpolated between its recorded neighbours.
func replay(steps []recordedStep) func(rate, attempt int) ramp {
	byRate := map[int][]recordedStep{}
	var rates []int
	for _, s := range steps {
		if byRate[s.rate] == nil {
			rates = append(rates, s.rate)
		}
		byRate[s.rate] = append(byRate[s.rate], s)
	}
	sort.Ints(rates)
	toRamp := func(s recordedStep) ramp {
		slope := float64(s.p99-s.p50) / (0.49 * float64(s.duration))
		start := s.p50 - time.Duration(slope*float64(s.duration)/2)
		return ramp{Start: start, Slope: slope, Success: s.success, Capacity: s.thr}
	}
	return func(rate, attempt int) ramp {
		if rec := byRate[rate]; rec != nil {
			return toRamp(rec[min(attempt, len(rec)-1)])
		}
		i := sort.SearchInts(rates, rate)
		if i == 0 || i == len(rates) {
			panic("replay: rate outside the recorded range")
		}
		lo, hi := byRate[rates[i-1]][0], byRate[rates[i]][0]
		f := float64(rate-lo.rate) / float64(hi.rate-lo.rate)
		mix := func(a, b time.Duration) time.Duration { return a + time.Duration(f*float64(b-a)) }
		return toRamp(recordedStep{rate: rate, duration: mix(lo.duration, hi.duration), p50: mix(lo.p50, hi.p50), p99: mix(lo.p99, hi.p99),
			thr: lo.thr + f*(hi.thr-lo.thr), success: lo.success + f*(hi.success-lo.success)})
	}
}
