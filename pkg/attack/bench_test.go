package attack

import (
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
		b.Run(c, func(b *testing.B) {
			o := DefaultOptions()
			o.Client = c
			a, err := New(targetsFor(b, url), Constant{Freq: 1, Per: time.Second}, o)
			if err != nil {
				b.Fatal(err)
			}
			conn := a.sender.newConn()
			var r Result
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r = Result{}
				conn.send(0, uint64(i), &r)
				if r.Error != "" {
					b.Fatal(r.Error)
				}
			}
		})
	}
}
