package attack

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"
)

var traceparentRE = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$`)

// With Trace on, every request of both clients carries a well-formed
// traceparent whose ids are the Result's, fresh per request; without it,
// none does.
func TestTraceparentOnEveryRequest(t *testing.T) {
	t.Parallel() // counts and headers only
	for _, client := range []string{ClientNet, ClientFast} {
		for _, trace := range []bool{true, false} {
			name := client + "/untraced"
			if trace {
				name = client + "/traced"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var (
					mu   sync.Mutex
					seen = map[string]string{} // X-Vegeta-Seq -> traceparent
				)
				url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					seen[r.Header.Get("X-Vegeta-Seq")] = r.Header.Get(TraceparentHeader)
					mu.Unlock()
				})
				o := DefaultOptions()
				o.Client, o.Trace = client, trace
				o.Duration = 200 * time.Millisecond
				o.Timeout = 5 * time.Second
				// A user's own traceparent is replaced, never sent twice.
				tgts := targetsFor(t, url)
				tgts[0].Header = http.Header{"Traceparent": []string{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}
				a, err := New(tgts, Constant{Freq: 500, Per: time.Second}, o)
				if err != nil {
					t.Fatal(err)
				}
				var got []Result
				a.Run(context.Background(), func(r *Result) { got = append(got, *r) })
				if len(got) < 10 {
					t.Fatalf("only %d results", len(got))
				}
				ids := map[TraceID]bool{}
				mu.Lock()
				defer mu.Unlock()
				for _, r := range got {
					if r.Error != "" {
						t.Fatalf("hit %d: %s", r.Seq, r.Error)
					}
					h := seen[strconv.FormatUint(r.Seq, 10)]
					if !trace {
						if !r.TraceID.IsZero() || h != "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" {
							t.Fatalf("untraced hit %d: trace id %s, header %q", r.Seq, r.TraceID, h)
						}
						continue
					}
					if !traceparentRE.MatchString(h) {
						t.Fatalf("hit %d: traceparent %q", r.Seq, h)
					}
					if want := "00-" + r.TraceID.String() + "-" + r.SpanID.String() + "-01"; h != want || !r.Sampled {
						t.Fatalf("hit %d: header %q, result says %q (sampled %v)", r.Seq, h, want, r.Sampled)
					}
					if ids[r.TraceID] {
						t.Fatalf("trace id %s used twice", r.TraceID)
					}
					ids[r.TraceID] = true
				}
			})
		}
	}
}

// The sampled flag is set on the asked fraction of requests, and the ids
// are never all zero.
func TestTraceSampleFraction(t *testing.T) {
	for _, p := range []float64{0, 0.25, 1} {
		tr := newTracer(p, p != 0.25) // both kinds of tracer
		var r Result
		n, sampled := 100_000, 0
		for i := range n {
			tr.fill(&r)
			if r.TraceID.IsZero() || r.SpanID == (SpanID{}) {
				t.Fatal("all-zero id")
			}
			if i%64 == 0 { // the format on a sample: the regexp costs more than the rest
				h := string(appendTraceparent(nil, r.TraceID, r.SpanID, r.Sampled))
				if !traceparentRE.MatchString(h) || (r.traceparent != nil && r.traceparent[0] != h) {
					t.Fatalf("traceparent %q, result's %q", h, r.traceparent)
				}
			}
			if r.Sampled {
				sampled++
			}
		}
		// 0.25 of 100000: the standard deviation is 0.0014.
		if got := float64(sampled) / float64(n); got < p-0.01 || got > p+0.01 {
			t.Errorf("sample %g: %.4f sampled", p, got)
		}
	}
}

// A trace context costs no allocation per request: none for fasthttp, two
// per batch of traceBatch requests for net/http's header strings.
func TestTracerAllocations(t *testing.T) {
	var r Result
	fast := newTracer(1, false)
	if n := testing.AllocsPerRun(10*traceBatch, func() { fast.fill(&r) }); n != 0 {
		t.Errorf("fasthttp: %.3f allocations per request, want 0", n)
	}
	net := newTracer(1, true)
	if n := testing.AllocsPerRun(10*traceBatch, func() { net.fill(&r) }); n > 2.0/traceBatch+1e-9 {
		t.Errorf("net/http: %.3f allocations per request, want at most %.3f", n, 2.0/traceBatch)
	}
}

func TestTraceSampleValidated(t *testing.T) {
	o := DefaultOptions()
	o.Trace, o.TraceSample, o.Duration = true, 1.5, time.Second
	_, err := New(targetsFor(t, "http://127.0.0.1:1/"), Constant{Freq: 1, Per: time.Second}, o)
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != "TraceSample" {
		t.Fatalf("err %v, want an OptionError for TraceSample", err)
	}
}
