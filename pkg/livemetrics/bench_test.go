package livemetrics

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/loadgen/loadgen/pkg/attack"
)

// BenchmarkObserve is the live metrics' cost per request: three
// histograms (native and classic), the status counter, and an exemplar
// whenever a traced request is the slowest of its second so far. Results
// cycle through a second's worth of latencies, as an attack's would.
func BenchmarkObserve(b *testing.B) {
	for _, traced := range []bool{false, true} {
		name := "untraced"
		if traced {
			name = "traced"
		}
		b.Run(name, func(b *testing.B) {
			m := New(&fixedSource{}, Info{TraceSample: 1})
			t0 := time.Unix(1_700_000_000, 0)
			res := make([]*attack.Result, 5000) // one second at 5000 req/s
			for i := range res {
				lat := time.Duration(200+(i*7919)%2000) * time.Microsecond
				var trace byte
				if traced {
					trace = byte(i%250 + 1)
				}
				res[i] = result(t0.Add(time.Duration(i)*200*time.Microsecond), lat, 200, "", trace)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := res[i%len(res)]
				if i%len(res) == 0 { // the next second
					for _, x := range res {
						x.End = x.End.Add(time.Second)
					}
				}
				m.Observe(r)
			}
		})
	}
}

// BenchmarkScrape is one scrape as Prometheus with native histograms asks
// for it (protobuf), over loopback: loadgen pays it once per scrape
// interval, whatever the request rate.
func BenchmarkScrape(b *testing.B) {
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	m := New(&fixedSource{}, Info{TraceSample: 1, Targets: []string{"GET http://127.0.0.1:8080/"}})
	srv.Attach(m)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 100_000 { // a spread of latencies fills the native buckets
		m.Observe(result(t0.Add(time.Duration(i)*time.Millisecond), time.Duration(50+i%20000)*time.Microsecond, 200, "", byte(i%200+1)))
	}
	req, _ := http.NewRequest("GET", srv.URL(), nil)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
