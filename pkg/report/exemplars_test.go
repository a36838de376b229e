package report_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Shards merged by Load keep, per interval, the k slowest of the union of
// their exemplars, and the summary lists the slowest of all.
func TestLoadMergesExemplarsOfShards(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	testrecords.WriteSynthetic(t, a, testrecords.Synthetic{Secs: 8, PerSec: 40, Latency: time.Millisecond, CPU: 10, Seed: 1})
	testrecords.WriteSynthetic(t, b, testrecords.Synthetic{Secs: 8, PerSec: 40, Latency: time.Millisecond, CPU: 10, Seed: 2})
	rep, err := report.Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	k := runrecord.DefaultExemplars
	shards := map[int64][]runrecord.Exemplar{}
	for _, d := range []string{a, b} {
		l, err := runrecord.ReadExemplars(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range l {
			shards[e.IntervalMs] = append(shards[e.IntervalMs], e)
		}
	}
	merged := map[int64][]runrecord.Exemplar{}
	for _, e := range rep.Exemplars {
		merged[e.IntervalMs] = append(merged[e.IntervalMs], e)
	}
	if len(merged) != len(shards) || len(merged) < 8 {
		t.Fatalf("%d merged intervals, shards have %d", len(merged), len(shards))
	}
	for ms, m := range merged {
		if len(m) != k {
			t.Errorf("interval %d: %d exemplars, want %d", ms, len(m), k)
		}
		fastestKept := m[len(m)-1].Latency
		kept := 0
		for _, e := range shards[ms] {
			in := false
			for _, x := range m {
				in = in || (x.Seq == e.Seq && x.Latency == e.Latency && x.Intended.Equal(e.Intended))
			}
			if in {
				kept++
			} else if e.Latency > fastestKept {
				t.Errorf("interval %d: dropped %s, slower than kept %s", ms, e.Latency, fastestKept)
			}
		}
		if kept != len(m) {
			t.Errorf("interval %d: %d of %d merged exemplars come from the shards", ms, kept, len(m))
		}
	}
	top := runrecord.TopExemplars(rep.Exemplars, k)
	if len(rep.Summary.Exemplars) != k {
		t.Fatalf("summary exemplars: %d, want %d", len(rep.Summary.Exemplars), k)
	}
	for i := range top {
		if rep.Summary.Exemplars[i].Latency != top[i].Latency {
			t.Errorf("summary exemplar %d: %s, want %s", i, rep.Summary.Exemplars[i].Latency, top[i].Latency)
		}
	}
	if one, err := report.Load(a); err != nil || len(one.Summary.Exemplars) != k {
		t.Errorf("one run: %d exemplars in its summary (%v)", len(one.Summary.Exemplars), err)
	}
}
