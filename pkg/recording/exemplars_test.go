package recording

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Each interval's exemplars are exactly its k slowest requests, slowest
// first, with their details; the summary has the k slowest of the run.
func TestExemplarsAreTheSlowestOfEachInterval(t *testing.T) {
	dir := t.TempDir()
	const k = 3
	rec, err := New(dir, Config{Interval: time.Second, Exemplars: k,
		Targets: []string{"GET http://127.0.0.1:8080/a", "POST http://127.0.0.1:8080/b"}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[int64][]time.Duration{} // interval start ms -> latencies
	var all []time.Duration
	seq := uint64(0)
	for sec := range 4 {
		for i := range 200 {
			lat := time.Duration(1+rng.IntN(50_000)) * time.Microsecond
			end := t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*4*time.Millisecond + time.Millisecond)
			r := attack.Result{Seq: seq, Intended: end.Add(-lat), Sent: end.Add(-lat / 2), End: end,
				Latency: lat, Service: lat / 2, Lag: lat / 2, Code: 200, Target: int(seq % 2)}
			r.TraceID[0], r.TraceID[15] = byte(seq>>8), byte(seq)
			r.TraceID[7] = 0xab
			r.Sampled = seq%3 != 0
			if seq%50 == 7 {
				r.Code, r.Error = 0, fmt.Sprintf("Get \"http://127.0.0.1:8080/a\": dial tcp 127.0.0.1:%d->127.0.0.1:8080: connection reset", 40000+seq)
			}
			seq++
			rec.Record(&r)
			ms := end.Truncate(time.Second).UnixMilli()
			want[ms] = append(want[ms], lat)
			all = append(all, lat)
		}
	}
	sum, err := rec.Close(attack.Outcome{Began: t0, Sending: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	got, err := runrecord.ReadExemplars(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4*k {
		t.Fatalf("%d exemplars, want %d", len(got), 4*k)
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	byInterval := map[int64][]runrecord.Exemplar{}
	for _, e := range got {
		byInterval[e.IntervalMs] = append(byInterval[e.IntervalMs], e)
		if !hex32.MatchString(e.TraceID) || e.Sampled == nil {
			t.Errorf("exemplar %+v: trace id %q", e, e.TraceID)
		}
		if e.Target != "GET http://127.0.0.1:8080/a" && e.Target != "POST http://127.0.0.1:8080/b" {
			t.Errorf("target %q", e.Target)
		}
		if e.End().Truncate(time.Second).UnixMilli() != e.IntervalMs {
			t.Errorf("exemplar ending %s filed under interval %d", e.End(), e.IntervalMs)
		}
		if e.ServiceLatency != e.Latency/2 || e.DispatchLag != e.Latency/2 {
			t.Errorf("exemplar %+v: service/lag not the result's", e)
		}
		if e.Error != "" && (e.Status != 0 || e.Error != `Get "http://127.0.0.1:8080/a": dial tcp *->127.0.0.1:8080: connection reset`) {
			t.Errorf("error %q (status %d): want the grouped message", e.Error, e.Status)
		}
	}
	for ms, lats := range want {
		slices.SortFunc(lats, func(a, b time.Duration) int { return int(b - a) })
		ex := byInterval[ms]
		for i := range k {
			if ex[i].Latency != lats[i] {
				t.Errorf("interval %d: exemplar %d latency %s, want %s", ms, i, ex[i].Latency, lats[i])
			}
		}
	}
	slices.SortFunc(all, func(a, b time.Duration) int { return int(b - a) })
	if len(sum.Exemplars) != k {
		t.Fatalf("summary has %d exemplars, want %d", len(sum.Exemplars), k)
	}
	for i, e := range sum.Exemplars {
		if e.Latency != all[i] {
			t.Errorf("run exemplar %d: %s, want %s", i, e.Latency, all[i])
		}
		if e.IntervalMs != e.End().Truncate(time.Second).UnixMilli() {
			t.Errorf("run exemplar %d: interval %d, ends %s", i, e.IntervalMs, e.End())
		}
	}
}

// Without tracing an exemplar has no trace fields.
func TestExemplarsWithoutTrace(t *testing.T) {
	dir := t.TempDir()
	rec, err := New(dir, Config{Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := resultAt(time.Unix(1_700_000_000, 0))
	rec.Record(&r)
	sum, err := rec.Close(attack.Outcome{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Exemplars) != 1 || sum.Exemplars[0].TraceID != "" || sum.Exemplars[0].Sampled != nil {
		t.Errorf("exemplars %+v", sum.Exemplars)
	}
}

// Keeping the slowest costs no allocation, also when every result
// displaces a kept one.
func TestExemplarsAllocateNothing(t *testing.T) {
	r := newTestRecorder(t)
	res := sampleResult(1)
	res.Error = "503 Service Unavailable"
	res.TraceID[3] = 1
	r.Record(res)
	if n := testing.AllocsPerRun(1000, func() { res.Latency++; r.Record(res) }); n != 0 {
		t.Fatalf("Record allocates %.1f times per call with growing latency, want 0", n)
	}
}
