package history_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/report"
)

// buildHistory writes one synthetic record per p99 level (one a day) and
// indexes them all; it returns the runs, oldest first.
func buildHistory(t *testing.T, levels []time.Duration, seed uint64) (*history.DB, []history.Run) {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	db, err := history.Open(ctx, filepath.Join(root, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	day0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i, l := range levels {
		dir := filepath.Join(root, fmt.Sprintf("checkout-%02d", i))
		writeSynth(t, dir, synth{
			name: "checkout", start: day0.Add(time.Duration(i) * 24 * time.Hour), p99: l, noise: 0.03,
			labels: map[string]string{"git": fmt.Sprintf("c%02d", i)}, seed: seed*100 + uint64(i),
		})
		if _, err := db.Index(ctx, dir, nil); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := db.List(ctx, history.Filter{Name: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(levels) {
		t.Fatalf("%d runs indexed, want %d", len(runs), len(levels))
	}
	return db, runs
}

func p99Trend(t *testing.T, runs []history.Run) history.Trend {
	t.Helper()
	trends := history.Trends(runs, history.TrendOptions{Metrics: []string{"latency.p99"}})
	if len(trends) != 1 {
		t.Fatalf("%d trends, want 1", len(trends))
	}
	return trends[0]
}

// TestStepInP99IsFound: 20 runs whose p99 is 4 ms (with 4 % run-to-run
// noise, and 3 % between the intervals of each run) until run k, then 5.2 ms.
func TestStepInP99IsFound(t *testing.T) {
	for seed := range uint64(2) {
		const k = 12 // first run at the new level
		r := rand.New(rand.NewPCG(seed, 21))
		var levels []time.Duration
		for i := range 20 {
			l := 4.0
			if i >= k {
				l = 5.2
			}
			levels = append(levels, time.Duration(l*(1+0.04*r.NormFloat64())*1e6))
		}
		_, runs := buildHistory(t, levels, seed)
		tr := p99Trend(t, runs)
		if len(tr.Shifts) != 1 {
			t.Fatalf("seed %d: %d shifts %+v, want 1", seed, len(tr.Shifts), tr.Shifts)
		}
		s := tr.Shifts[0]
		if s.Index < k-1 || s.Index > k+1 || s.RunID != runs[s.Index].ID {
			t.Errorf("seed %d: shift at run %d (%s), want %d±1", seed, s.Index, s.RunID, k)
		}
		if math.Abs(s.Change-1.2e6) > 0.25e6 || math.Abs(s.Relative-0.3) > 0.07 {
			t.Errorf("seed %d: shift of %.0fns (%+.1f%%), want about +1.2ms (+30%%)", seed, s.Change, 100*s.Relative)
		}
		if !s.BeyondNoise || s.Noise == nil || s.Verdict != report.VerdictWorse {
			t.Errorf("seed %d: verdict %q beyond noise %v (band %v), want worse", seed, s.Verdict, s.BeyondNoise, s.Noise)
		}
		if tr.Points[s.Index].Labels["git"] != fmt.Sprintf("c%02d", s.Index) {
			t.Errorf("seed %d: point labels %v", seed, tr.Points[s.Index].Labels)
		}
	}
}

// TestOneOutlierRunIsNoShift: 20 runs at 4 ms with noise, one of them at
// 12 ms (a stalled run): no shift.
func TestOneOutlierRunIsNoShift(t *testing.T) {
	for seed, at := range []int{9, 19} {
		r := rand.New(rand.NewPCG(uint64(seed), 22))
		var levels []time.Duration
		for i := range 20 {
			l := 4 * (1 + 0.02*r.NormFloat64())
			if i == at {
				l = 12
			}
			levels = append(levels, time.Duration(l*1e6))
		}
		_, runs := buildHistory(t, levels, uint64(seed))
		if tr := p99Trend(t, runs); len(tr.Shifts) != 0 {
			t.Errorf("outlier at run %d: shifts %+v", at, tr.Shifts)
		}
	}
}

// TestShiftWithinNoise: a real, significant shift of the run-to-run level
// that is smaller than the noise inside each run is reported, but as
// within noise.
func TestShiftWithinNoise(t *testing.T) {
	var levels []time.Duration
	for i := range 16 {
		l := 4.0
		if i >= 8 {
			l = 4.03 // +0.75 %: under compare's 1 % floor
		}
		levels = append(levels, time.Duration(l*1e6)+time.Duration(i%3)*1000)
	}
	_, runs := buildHistory(t, levels, 3)
	tr := p99Trend(t, runs)
	if len(tr.Shifts) != 1 {
		t.Fatalf("shifts %+v, want 1", tr.Shifts)
	}
	if s := tr.Shifts[0]; s.BeyondNoise || s.Verdict != report.VerdictNoise {
		t.Fatalf("shift %+v: want within noise", s)
	}
}
