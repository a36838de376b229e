package recording

import (
	"runtime"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// settledHeap is the heap in use once the writers have written every
// closed interval and the series they keep for reuse are dropped: those
// are bounded by their channels' capacities whatever the run's length,
// and how many there are at a given moment depends on how far behind the
// writers are, so they would make the figure noisy.
func settledHeap(rec *Recorder) uint64 {
	rec.waitWritten()
	for len(rec.spares) > 0 {
		<-rec.spares
	}
	if rec.groups != nil {
		for len(rec.groups.spare) > 0 {
			<-rec.groups.spare
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func resultAt(end time.Time) attack.Result {
	return attack.Result{
		Intended: end.Add(-2 * time.Millisecond), Sent: end.Add(-time.Millisecond), End: end,
		Latency: 2 * time.Millisecond, Service: time.Millisecond, Lag: time.Millisecond, Code: 200,
	}
}

// Memory does not grow with the length of a run: 100k results over 200
// intervals leave the heap where a thousand left it. (What could grow is
// per result or per interval: a histogram kept per interval would be tens
// of KiB each. Closing an interval encodes three histograms, which is
// what makes many intervals slow, above all under -race.)
func TestRecorderMemoryFlat(t *testing.T) {
	rec, err := New(t.TempDir(), Config{Interval: 100 * time.Millisecond, Highest: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	feed := func(from, to int) {
		for i := from; i < to; i++ {
			r := resultAt(start.Add(time.Duration(i) * 200 * time.Microsecond))
			rec.Record(&r)
		}
	}
	heap := func() uint64 { return settledHeap(rec) }
	// 20 s of results at 5k/s: 200 intervals; 50 under -race, where each
	// interval's hlog entry costs several times more (a histogram kept per
	// interval would still be tens of KiB each, far past the bound).
	n := 101_000
	if raceEnabled {
		n = 26_000
	}
	feed(0, 1_000)
	before := heap()
	feed(1_000, n)
	after := heap()
	// Only the per-interval rows (a few dozen bytes each) may accumulate.
	if grow := int64(after) - int64(before); grow > 512<<10 {
		t.Errorf("heap grew by %d bytes over %d results", grow, n)
	}
	sum, err := rec.Close(attack.Outcome{Began: start, Sending: time.Duration(n) * 200 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != uint64(n) || sum.Latency.P50 < 1990*time.Microsecond || sum.Latency.P50 > 2010*time.Microsecond {
		t.Errorf("summary %+v", sum)
	}
}

// A result that arrives after a quiet gap closes the empty intervals too,
// so a stalled target shows as intervals with no completions.
func TestRecorderWritesQuietIntervals(t *testing.T) {
	dir := t.TempDir()
	rec, err := New(dir, Config{Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	r := resultAt(t0.Add(100 * time.Millisecond))
	rec.Record(&r)
	r = resultAt(t0.Add(3100 * time.Millisecond))
	rec.Record(&r)
	if _, err := rec.Close(attack.Outcome{Began: t0, Sending: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	var n []int64
	err = runrecord.MergeHlogs([]string{dir}, func(start, end int64, s runrecord.Series) error {
		n = append(n, s.Latency.TotalCount())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(n) != 4 || n[0] != 1 || n[1] != 0 || n[2] != 0 || n[3] != 1 {
		t.Errorf("interval counts %v, want [1 0 0 1]", n)
	}
}

// Closing an interval does not wait for it to be encoded: with the writer
// held up (OnInterval blocked on the first interval), Record still
// returns for the next intervals, up to the bound on closed intervals
// waiting. The engine records under its own lock, so a Record that
// encoded would keep every worker from sending for milliseconds each
// second. Once released, every interval reaches OnInterval, in order.
func TestRecordDoesNotWaitForTheWriter(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	var starts []time.Time
	rec, err := New(t.TempDir(), Config{Interval: 100 * time.Millisecond, OnInterval: func(s IntervalStats) {
		starts = append(starts, s.Start)
		select {
		case entered <- struct{}{}:
			<-release
		default:
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		// Results in intervals 0..pendingIntervals: closing interval 0
		// reaches the writer, which blocks; closing the next ones queues.
		for i := range pendingIntervals + 1 {
			r := resultAt(start.Add(time.Duration(i)*100*time.Millisecond + time.Millisecond))
			rec.Record(&r)
		}
	}()
	<-entered
	select {
	case <-recorded:
	case <-time.After(time.Minute): // a hang, not a timing bound: it returns in µs
		t.Fatal("Record waited for the writer")
	}
	close(release)
	if _, err := rec.Close(attack.Outcome{Began: start, Sending: time.Second}); err != nil {
		t.Fatal(err)
	}
	if len(starts) != pendingIntervals+1 {
		t.Fatalf("OnInterval saw %d intervals, want %d", len(starts), pendingIntervals+1)
	}
	for i, s := range starts {
		if want := start.Add(time.Duration(i) * 100 * time.Millisecond); !s.Equal(want) {
			t.Errorf("interval %d starts %s, want %s", i, s, want)
		}
	}
}
