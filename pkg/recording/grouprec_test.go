package recording

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// twoGroups records a fast and a slow endpoint (targets 0 and 2 are
// "fast", 1 is "slow") over three one-second intervals; the slow one
// fails once in the second interval.
func twoGroups(t *testing.T, dir string, cfg Config) runrecord.Summary {
	t.Helper()
	cfg.Interval = time.Second
	cfg.Groups = []string{"GET /fast", "GET /slow"}
	cfg.GroupOf = []int{0, 1, 0}
	rec, err := New(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_700_000_000, 0)
	for i := 0; i < 300; i++ {
		end := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		r := attack.Result{Seq: uint64(i), Target: i % 3, End: end, Code: 200, Latency: time.Millisecond, Service: 900 * time.Microsecond, Lag: 100 * time.Microsecond}
		if r.Target == 1 {
			r.Latency, r.Service = 20*time.Millisecond, 19*time.Millisecond
			if i == 100 {
				r.Code, r.Error = 500, "500 Internal Server Error"
			}
		}
		rec.Record(&r)
	}
	sum, err := rec.Close(attack.Outcome{Began: t0, Sending: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// Each group gets its own summary: its requests, its latency, its errors;
// the run's latency lies between them.
func TestGroupSummaries(t *testing.T) {
	dir := t.TempDir()
	var seen []IntervalStats
	sum := twoGroups(t, dir, Config{OnInterval: func(s IntervalStats) { seen = append(seen, s) }})
	if len(sum.Groups) != 2 {
		t.Fatalf("groups %+v", sum.Groups)
	}
	fast, slow := sum.Groups[0], sum.Groups[1]
	if fast.Name != "GET /fast" || fast.Tag != "g0" || fast.Requests != 200 || fast.SuccessRatio != 1 {
		t.Errorf("fast %+v", fast)
	}
	if slow.Requests != 100 || slow.StatusCodes["500"] != 1 || len(slow.Errors) != 1 || slow.Errors[0].Count != 1 {
		t.Errorf("slow %+v", slow)
	}
	near := func(d, want time.Duration) bool { return d >= want*99/100 && d <= want*101/100 }
	if !near(fast.Latency.P50, time.Millisecond) || !near(slow.Latency.P50, 20*time.Millisecond) || !near(slow.ServiceLatency.P50, 19*time.Millisecond) {
		t.Errorf("p50 fast %v slow %v (service %v)", fast.Latency.P50, slow.Latency.P50, slow.ServiceLatency.P50)
	}
	if sum.Latency.P50 != fast.Latency.P50 || sum.Latency.P99 < slow.Latency.P50*99/100 || sum.Latency.Mean <= fast.Latency.Mean || sum.Latency.Mean >= slow.Latency.Mean {
		t.Errorf("aggregate p50 %v p99 %v mean %v: not between the groups", sum.Latency.P50, sum.Latency.P99, sum.Latency.Mean)
	}
	if len(seen) != 3 || len(seen[1].Groups) != 2 || seen[1].Groups[1].Errors != 1 || seen[1].Groups[1].Completed != 34 || !near(seen[0].Groups[1].P50, 20*time.Millisecond) {
		t.Errorf("interval stats %+v", seen)
	}
	rows, err := runrecord.ReadIntervals(dir)
	if err != nil || len(rows) != 3 || rows[1].GroupErrors["g1"] != 1 || rows[0].GroupErrors != nil {
		t.Errorf("intervals %+v %v", rows, err)
	}
	// The slowest requests name their group, in the summary and in
	// exemplars.jsonl; the groups' own summaries do not repeat them.
	ex, err := runrecord.ReadExemplars(dir)
	if err != nil || len(ex) == 0 || len(sum.Exemplars) == 0 {
		t.Fatalf("exemplars: %d in the file, %d in the summary, %v", len(ex), len(sum.Exemplars), err)
	}
	for _, e := range append(ex, sum.Exemplars...) {
		want := "GET /fast"
		if e.Seq%3 == 1 {
			want = "GET /slow"
		}
		if e.Group != want {
			t.Errorf("exemplar seq %d (target %q): group %q, want %q", e.Seq, e.Target, e.Group, want)
		}
	}
	if sum.Exemplars[0].Group != "GET /slow" || fast.Exemplars != nil || slow.Exemplars != nil {
		t.Errorf("slowest of the run %+v; groups' exemplars %d, %d", sum.Exemplars[0], len(fast.Exemplars), len(slow.Exemplars))
	}
}

// groups.hlog holds each group's intervals; the standard reader sees them
// by tag, and latency.hlog is unchanged (untagged, service, dispatch_lag).
func TestGroupsLogWritten(t *testing.T) {
	dir := t.TempDir()
	twoGroups(t, dir, Config{})
	f, err := os.Open(filepath.Join(dir, runrecord.GroupsLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := hdr.NewHistogramLogReader(f)
	counts := map[string]int64{}
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		counts[h.Tag()] += h.TotalCount()
	}
	if counts["g0"] != 200 || counts["g1"] != 100 || counts["g1.service"] != 100 || counts["g0.dispatch_lag"] != 200 || len(counts) != 6 {
		t.Errorf("groups.hlog counts by tag %v", counts)
	}
	n := 0
	err = runrecord.MergeHlogs([]string{dir}, func(_, _ int64, s runrecord.Series) error {
		n += int(s.Latency.TotalCount())
		return nil
	})
	if err != nil || n != 300 {
		t.Errorf("latency.hlog: %d requests, %v", n, err)
	}
}

// One group: nothing is kept per group (no groups.hlog), and the summary's
// one group is the run.
func TestOneGroupIsTheRun(t *testing.T) {
	dir := t.TempDir()
	rec, err := New(dir, Config{Groups: []string{"GET /"}, GroupOf: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	r := resultAt(time.Unix(1_700_000_000, 0))
	rec.Record(&r)
	sum, err := rec.Close(attack.Outcome{Began: r.Intended, Sending: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Groups) != 1 || sum.Groups[0].Name != "GET /" || sum.Groups[0].Tag != "" || sum.Groups[0].Requests != 1 || sum.Groups[0].Latency != sum.Latency {
		t.Errorf("groups %+v", sum.Groups)
	}
	if _, err := os.Stat(filepath.Join(dir, runrecord.GroupsLog)); !os.IsNotExist(err) {
		t.Errorf("groups.hlog with one group: %v", err)
	}
	// Its slowest requests are the run's, once, naming no group.
	if len(sum.Exemplars) != 1 || sum.Exemplars[0].Group != "" || sum.Groups[0].Exemplars != nil {
		t.Errorf("exemplars %+v, the group's %+v", sum.Exemplars, sum.Groups[0].Exemplars)
	}
}

// Recording into groups allocates nothing in the steady state either.
func TestRecordWithGroupsAllocatesNothing(t *testing.T) {
	r, err := New(t.TempDir(), Config{Interval: time.Hour, Groups: []string{"a", "b"}, GroupOf: []int{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(attack.Outcome{}) })
	res := sampleResult(1)
	failed := sampleResult(2)
	failed.Target, failed.Code, failed.Error = 1, 503, "503 Service Unavailable"
	r.Record(res)
	r.Record(failed)
	if n := testing.AllocsPerRun(1000, func() { r.Record(res); r.Record(failed) }); n != 0 {
		t.Fatalf("Record allocates %.1f times per call, want 0", n)
	}
}

// With the default limit of 64 groups all busy, memory stays flat over a
// run: 40 more intervals leave the heap where the first 10 left it.
func TestGroupsMemoryFlat(t *testing.T) {
	const groups = 64
	names := make([]string, groups)
	of := make([]int, groups)
	for i := range names {
		names[i], of[i] = GroupName(i), i
	}
	rec, err := New(t.TempDir(), Config{Interval: 100 * time.Millisecond, Highest: time.Hour, Groups: names, GroupOf: of})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	feed := func(from, to int) {
		for i := from; i < to; i++ {
			r := resultAt(start.Add(time.Duration(i) * 78125 * time.Nanosecond)) // 1280 per 100ms interval
			r.Target = i % groups
			r.Latency = time.Duration(500+i%3000) * time.Microsecond
			rec.Record(&r)
		}
	}
	heap := func() uint64 { return settledHeap(rec) }
	intervals := 40
	if raceEnabled { // each interval writes an hlog entry per group
		intervals = 15
	}
	feed(0, 10*1280)
	before := heap()
	feed(10*1280, (10+intervals)*1280)
	after := heap()
	if grow := int64(after) - int64(before); grow > 1<<20 {
		t.Errorf("heap grew by %d bytes over %d intervals of %d groups", grow, intervals, groups)
	}
	t.Logf("heap with %d busy groups: %d KiB (%+d KiB over %d intervals)", groups, after>>10, (int64(after)-int64(before))>>10, intervals)
	if _, err := rec.Close(attack.Outcome{Began: start, Sending: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
}

// GroupName is a test helper: a distinct group name per index.
func GroupName(i int) string { return "GET /e" + string(rune('A'+i%26)) + string(rune('a'+i/26)) }
