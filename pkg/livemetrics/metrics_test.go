package livemetrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// fixedSource is a Source whose live figures the test sets.
type fixedSource struct{ live attack.Live }

func (f *fixedSource) Live() attack.Live { return f.live }

func result(end time.Time, lat time.Duration, code uint16, errMsg string, trace byte) *attack.Result {
	r := &attack.Result{Intended: end.Add(-lat), Sent: end.Add(-lat / 2), End: end, Latency: lat, Service: lat / 2,
		Lag: lat / 2, Code: code, Error: errMsg}
	if trace != 0 {
		r.TraceID[15], r.Sampled = trace, true
	}
	return r
}

func gather(t *testing.T, srv *Server) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := srv.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Every figure the issue lists is exported, with its value.
func TestMetricsExported(t *testing.T) {
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	src := &fixedSource{live: attack.Live{Started: true, Sent: 12, Due: 15, InFlight: 2, Workers: 4, Conns: 3}}
	m := New(src, Info{Name: "t", Schedule: "constant 10/1s", Duration: time.Minute, Client: "fast", Pacing: "coarse",
		Targets: []string{"GET http://127.0.0.1:8080/a"}, TraceSample: 0.5})
	srv.Attach(m)
	t0 := time.Unix(1_700_000_000, 0)
	for i := range 8 {
		m.Observe(result(t0.Add(time.Duration(i)*time.Millisecond), time.Duration(i+1)*time.Millisecond, 200, "", byte(i+1)))
	}
	m.Observe(result(t0, 50*time.Millisecond, 503, "503 Service Unavailable", 0))
	for p := range 3 { // one group for three local ports
		m.Observe(result(t0, time.Millisecond, 0, fmt.Sprintf("dial tcp 127.0.0.1:%d->127.0.0.1:9: connection reset", 50000+p), 0))
	}
	m.Finish(attack.Outcome{Missed: 3})
	mf := gather(t, srv)

	codes := map[string]float64{}
	for _, x := range mf["loadgen_requests_total"].GetMetric() {
		codes[labelOf(x, "code")] = x.GetCounter().GetValue()
	}
	if codes["200"] != 8 || codes["503"] != 1 || codes["0"] != 3 {
		t.Errorf("requests by code %v", codes)
	}
	errs := map[string]float64{}
	for _, x := range mf["loadgen_request_errors_total"].GetMetric() {
		errs[labelOf(x, "error")] = x.GetCounter().GetValue()
	}
	if errs["503 Service Unavailable"] != 1 || errs["dial tcp *->127.0.0.1:9: connection reset"] != 3 || len(errs) != 2 {
		t.Errorf("errors %v", errs)
	}
	for name, want := range map[string]float64{
		"loadgen_requests_sent_total": 12, "loadgen_slots_due_total": 15, "loadgen_slots_behind": 3,
		"loadgen_requests_in_flight": 2,
		"loadgen_connections":        3, "loadgen_workers": 4, "loadgen_missed_total": 3, "loadgen_attack_info": 1,
	} {
		f := mf[name]
		if f == nil {
			t.Errorf("no %s", name)
			continue
		}
		x := f.GetMetric()[0]
		got := x.GetGauge().GetValue() + x.GetCounter().GetValue()
		if got != want {
			t.Errorf("%s = %g, want %g", name, got, want)
		}
	}
	info := mf["loadgen_attack_info"].GetMetric()[0]
	for k, v := range map[string]string{"name": "t", "schedule": "constant 10/1s", "duration": "1m0s", "client": "fast",
		"targets": "1", "target": "GET http://127.0.0.1:8080/a", "trace_sample": "0.5"} {
		if got := labelOf(info, k); got != v {
			t.Errorf("attack_info %s=%q, want %q", k, got, v)
		}
	}
	h := mf["loadgen_request_latency_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 12 || h.GetSchema() != 3 || len(h.GetBucket()) != len(latencyBuckets) {
		t.Errorf("latency histogram: count %d, schema %d, %d classic buckets", h.GetSampleCount(), h.GetSchema(), len(h.GetBucket()))
	}
	// The traced results came in growing latency within one second: each
	// was that second's slowest so far, so each is an exemplar.
	var traces []string
	for _, e := range h.GetExemplars() {
		traces = append(traces, labelOf(&dto.Metric{Label: e.GetLabel()}, "trace_id"))
	}
	if len(traces) != 8 || traces[7] != "00000000000000000000000000000008" {
		t.Errorf("native exemplars %v", traces)
	}
}

// Only a new maximum of its second becomes an exemplar; the rest are
// observed plainly, and Observe then allocates nothing.
func TestObserveAllocatesNothing(t *testing.T) {
	m := New(&fixedSource{}, Info{TraceSample: 1})
	t0 := time.Unix(1_700_000_000, 0)
	slow := result(t0, time.Second, 200, "", 1)
	m.Observe(slow)
	fast := result(t0, time.Millisecond, 200, "", 2)
	failed := result(t0, time.Millisecond, 503, "503 Service Unavailable", 3)
	m.Observe(fast)
	m.Observe(failed)
	if n := testing.AllocsPerRun(1000, func() { m.Observe(fast); m.Observe(failed) }); n != 0 {
		t.Errorf("Observe allocates %.1f times per call", n)
	}
}

// Memory is bounded whatever the latencies and errors: a million results
// spread over 12 orders of magnitude and with per-request error text.
func TestMetricsMemoryBounded(t *testing.T) {
	m := New(&fixedSource{}, Info{TraceSample: 1})
	t0 := time.Unix(1_700_000_000, 0)
	heap := func() uint64 {
		runtime.GC()
		var s runtime.MemStats
		runtime.ReadMemStats(&s)
		return s.HeapAlloc
	}
	feed := func(from, to int) {
		for i := from; i < to; i++ {
			lat := time.Duration(math.Pow(10, float64(i%12))) // 1 ns .. 100 s
			r := result(t0.Add(time.Duration(i)*time.Millisecond), lat, 200, "", byte(i%200+1))
			if i%100 == 0 {
				r.Code, r.Error = 0, fmt.Sprintf("request id %d: failed", i) // a new message every time
			}
			m.Observe(r)
		}
	}
	// Under the race detector, whose every access costs many times more,
	// a fifth as many: this test has one goroutine, so it finds no race,
	// and the plain run holds the million.
	n := 1_000_000
	if raceEnabled {
		n = 200_000
	}
	feed(0, 20_000)
	before := heap()
	feed(20_000, n)
	if grow := int64(heap()) - int64(before); grow > 256<<10 {
		t.Errorf("heap grew by %d bytes over %d results", grow, n)
	}
}

// Served over HTTP in Prometheus's protobuf format (what a server with
// native histograms asks for), and NextScrape waits for a scrape that
// starts after it.
func TestServerScrape(t *testing.T) {
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := New(&fixedSource{}, Info{TraceSample: -1})
	srv.Attach(m)
	m.Observe(result(time.Unix(1_700_000_000, 0), 3*time.Millisecond, 200, "", 0))
	next := srv.NextScrape()
	select {
	case <-next:
		t.Fatal("NextScrape done before any scrape")
	default:
	}
	req, _ := http.NewRequest("GET", srv.URL(), nil)
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	found := false
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if mf.GetName() == "loadgen_request_latency_seconds" {
			h := mf.GetMetric()[0].GetHistogram()
			found = h.GetSampleCount() == 1 && h.GetSchema() == 3 && len(h.GetPositiveSpan()) > 0
		}
	}
	if !found {
		t.Error("no native latency histogram in the protobuf exposition")
	}
	select {
	case <-next:
	case <-time.After(10 * time.Second):
		t.Fatal("NextScrape not done after a scrape")
	}
	if srv.Scrapes() != 1 {
		t.Errorf("%d scrapes", srv.Scrapes())
	}
	if _, err := Listen(strings.TrimPrefix(strings.TrimSuffix(srv.URL(), Path), "http://")); err == nil {
		t.Error("a second server on the same address")
	}
}

// Error labels are grouped like the run record's errors: credentials a
// rule knows and the values the caller marked secret (a load profile's
// ${NAME}) never reach a scrape.
func TestErrorLabelsRedacted(t *testing.T) {
	srv, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	m := New(&fixedSource{}, Info{Name: "t", Redactor: runrecord.NewRedactor("plain-looking-value")})
	srv.Attach(m)
	m.Observe(result(time.Unix(1_700_000_000, 0), time.Millisecond, 0,
		`Get "http://u:pw@127.0.0.1:1/x?api_key=k1&q=plain-looking-value": dial tcp 127.0.0.1:1: connect: connection refused`, 0))
	for _, x := range gather(t, srv)["loadgen_request_errors_total"].GetMetric() {
		l := labelOf(x, "error")
		if strings.Contains(l, "pw") || strings.Contains(l, "k1") || strings.Contains(l, "plain-looking-value") || !strings.Contains(l, runrecord.Redacted) {
			t.Errorf("error label %q", l)
		}
	}
}
