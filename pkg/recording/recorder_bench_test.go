package recording

import (
	"strconv"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
)

func newTestRecorder(t testing.TB) *Recorder {
	t.Helper()
	r, err := New(t.TempDir(), Config{Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(attack.Outcome{}) })
	return r
}

func sampleResult(i int) *attack.Result {
	end := time.Unix(1_700_000_000, 0)
	return &attack.Result{
		End:     end,
		Latency: time.Duration(100+i%5000) * time.Microsecond,
		Service: time.Duration(90+i%4000) * time.Microsecond,
		Lag:     time.Duration(i%700) * time.Microsecond,
		Code:    200,
	}
}

// TestRecordAllocatesNothing: recording a result in the steady state
// allocates nothing, so a long run at a high rate puts no load on the GC.
func TestRecordAllocatesNothing(t *testing.T) {
	r := newTestRecorder(t)
	res := sampleResult(1)
	failed := sampleResult(2)
	failed.Code, failed.Error = 503, "503 Service Unavailable"
	r.Record(res)
	r.Record(failed)
	if n := testing.AllocsPerRun(1000, func() { r.Record(res); r.Record(failed) }); n != 0 {
		t.Fatalf("Record allocates %.1f times per call, want 0", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	r := newTestRecorder(b)
	res := make([]*attack.Result, 1024)
	for i := range res {
		res[i] = sampleResult(i * 7919)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Record(res[i&1023])
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	r := newTestRecorder(b)
	res := sampleResult(3)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(res)
		}
	})
}

// BenchmarkRecordGroups is BenchmarkRecord with the results spread over
// endpoint groups (1: no per-group recording at all), for the cost of
// recording each group beside the run:
//
//	go test -run X -bench RecordGroups -benchmem ./pkg/recording/
func BenchmarkRecordGroups(b *testing.B) {
	for _, n := range []int{1, 6, 64} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			names := make([]string, n)
			of := make([]int, n)
			for i := range names {
				names[i], of[i] = GroupName(i), i
			}
			r, err := New(b.TempDir(), Config{Interval: time.Hour, Groups: names, GroupOf: of})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { r.Close(attack.Outcome{}) })
			res := make([]*attack.Result, 1024)
			for i := range res {
				res[i] = sampleResult(i * 7919)
				res[i].Target = i % n
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.Record(res[i&1023])
			}
		})
	}
}

// BenchmarkCloseInterval measures the time a Record call that closes an
// interval holds the recorder (and so the engine's record lock): the
// interval's histograms go to the writer, which encodes them on its own
// goroutine. Each op is a filled interval (100 results, like 1,000/s)
// and its close; close-ns/op is the closing call alone, timed around it
// (the writer has caught up before each, as it does between closes).
//
//	go test -run X -bench CloseInterval -benchmem ./pkg/recording/
func BenchmarkCloseInterval(b *testing.B) {
	r, err := New(b.TempDir(), Config{Interval: 100 * time.Millisecond, Highest: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(attack.Outcome{}) })
	res := sampleResult(3)
	start := res.End
	var closing time.Duration
	n := 0
	for ; b.Loop(); n++ {
		for range 100 {
			r.Record(res)
		}
		r.waitWritten()
		res.End = start.Add(time.Duration(n+1) * 100 * time.Millisecond)
		t0 := time.Now()
		r.Record(res)
		closing += time.Since(t0)
	}
	b.ReportMetric(float64(closing.Nanoseconds())/float64(n), "close-ns/op")
}
