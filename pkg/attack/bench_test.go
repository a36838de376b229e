package attack

import (
	"slices"
	"testing"
	"time"
)

// Benchmarks of the attack's hot paths; compare runs with benchstat.

func BenchmarkDue(b *testing.B) {
	stages, err := ParseStages("30s:1000,60s:5000,30s:0")
	if err != nil {
		b.Fatal(err)
	}
	sine, err := ParseSine("mean=1000,amp=500,period=1m")
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range []Schedule{Constant{Freq: 5000, Per: time.Second}, stages, sine} {
		b.Run(s.String(), func(b *testing.B) {
			b.ReportAllocs()
			var sink time.Duration
			for i := 0; b.Loop(); i++ {
				d, _ := s.Due(uint64(i % 100000))
				sink += d
			}
			_ = sink
		})
	}
}

// BenchmarkHit is one request to a loopback server and its result, per
// client: the per-hit cost of the generator (and, on the same box, of
// the httptest server answering it).
func BenchmarkHit(b *testing.B) {
	url := loopback(b, ok200)
	for _, c := range []string{ClientNet, ClientFast} {
		for _, trace := range []bool{false, true} {
			name := c
			if trace {
				name += "/traced" // the W3C traceparent header added: compare allocs/op
			}
			b.Run(name, func(b *testing.B) {
				o := DefaultOptions()
				o.Client, o.Trace = c, trace
				a, err := New(targetsFor(b, url), Constant{Freq: 1, Per: time.Second}, o)
				if err != nil {
					b.Fatal(err)
				}
				conn := a.sender.newConn()
				var tr *tracer
				if trace {
					tr = newTracer(1, c == ClientNet)
				}
				var r Result
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					r = Result{}
					if tr != nil {
						tr.fill(&r)
					}
					conn.send(0, uint64(i), &r)
					if r.Error != "" {
						b.Fatal(r.Error)
					}
				}
			})
		}
	}
}

// BenchmarkTraceparent is the cost of one request's trace context: ids
// from the worker's generator and the formatted header value.
func BenchmarkTraceparent(b *testing.B) {
	for _, c := range []string{ClientFast, ClientNet} {
		b.Run(c, func(b *testing.B) {
			tr := newTracer(0.5, c == ClientNet)
			var r Result
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				tr.fill(&r)
				if c == ClientFast { // what fastConn.send does with it
					buf = appendTraceparent(buf[:0], r.TraceID, r.SpanID, r.Sampled)
				}
			}
		})
	}
}

// BenchmarkClaim is one slot handed out by the dispenser (the lock every
// worker takes once per hit), alone and with every P claiming.
func BenchmarkClaim(b *testing.B) {
	sched := Constant{Freq: 1_000_000, Per: time.Second}
	mk := func() *dispenser {
		d := newDispenser([]Scenario{{Schedule: sched, Targets: fakeTargets(3)}}, []int{0}, 0, 1, 0)
		d.start(time.Now())
		return d
	}
	b.Run("serial", func(b *testing.B) {
		d := mk()
		now := time.Now()
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := d.claim(now); !ok {
				b.Fatal("no slot")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		d := mk()
		now := time.Now()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d.claim(now)
			}
		})
	})
}

// BenchmarkWake is one wait of a worker's timer until a slot due every
// 200 µs (5,000 per second), per pacing: late-µs/op is how late the wait
// returned, cpu-µs/op the CPU the process spent per wake-up (what the
// pacing modes trade; the coarse mode returns late, in bursts, for less),
// late-p99-µs the 99th percentile of that lateness: the floor under the
// engine's dispatch lag p99 on this box.
//
// The spin variants wake early as the engine does (spinAhead of the gap)
// and spin to the due time, at 5,000 (5k) and 1,000 (1k) per second: their late-µs
// is what is left of the wake-up's latency, their cpu-µs/op what hiding
// it costs.
//
// The busy variants wait as the engine does from 15,000 per second, on the
// runtime's timer, here every 50 µs (20,000 per second) in a process with
// nothing else to do: without the alarm the runtime sleeps whole
// milliseconds between them (golang/go#53824); with it (busy-alarm-20k)
// about alarmPeriod plus a wake-up's own latency at most.
func BenchmarkWake(b *testing.B) {
	for _, c := range []struct {
		name, pacing      string
		gap               time.Duration
		spin, busy, alarm bool
	}{
		{name: PacingPrecise, pacing: PacingPrecise, gap: 200 * time.Microsecond},
		{name: PacingCoarse, pacing: PacingCoarse, gap: 200 * time.Microsecond},
		{name: "precise-spin-5k", pacing: PacingPrecise, gap: 200 * time.Microsecond, spin: true},
		{name: "precise-1k", pacing: PacingPrecise, gap: time.Millisecond},
		{name: "precise-spin-1k", pacing: PacingPrecise, gap: time.Millisecond, spin: true},
		{name: "busy-20k", pacing: PacingPrecise, gap: 50 * time.Microsecond, busy: true},
		{name: "busy-alarm-20k", pacing: PacingPrecise, gap: 50 * time.Microsecond, busy: true, alarm: true},
	} {
		gap, wt := c.gap, wait{busy: c.busy}
		if c.spin {
			wt.early = spinAhead(gap)
		}
		b.Run(c.name, func(b *testing.B) {
			var al *alarm
			if c.alarm {
				if al = newAlarm(c.pacing); al == nil {
					b.Skip("no timerfd")
				}
				go al.run()
				defer al.close()
			}
			t := newWakeTimer(c.pacing, al)
			defer t.close()
			var late time.Duration
			lates := make([]time.Duration, 0, b.N)
			start := time.Now()
			cpu0 := processCPU()
			i := 0
			for b.Loop() {
				i++
				due := start.Add(time.Duration(i) * gap)
				t.until(due, wt)
				l := time.Since(due)
				late += l
				lates = append(lates, l)
			}
			slices.Sort(lates)
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
			b.ReportMetric(float64(late.Microseconds())/float64(b.N), "late-µs/op")
			if len(lates) > 0 {
				b.ReportMetric(float64(lates[len(lates)*99/100].Microseconds()), "late-p99-µs")
			}
		})
	}
}
