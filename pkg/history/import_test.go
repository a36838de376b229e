package history_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func TestImport(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	pass := true
	writeSynth(t, filepath.Join(root, "runs", "a"), synth{name: "api", start: t0, p99: 4e6, noise: 0.03, labels: map[string]string{"git": "aaa"}, slo: &pass})
	writeSynth(t, filepath.Join(root, "runs", "nested", "b"), synth{name: "api", start: t0.Add(time.Hour), p99: 5e6})
	// A capacity record: its steps are records too, but part of it.
	capDir := filepath.Join(root, "runs", "cap")
	writeSynth(t, filepath.Join(capDir, "steps", "01"), synth{name: "api", start: t0.Add(2 * time.Hour), p99: 3e6})
	capRun := &runrecord.Run{Kind: "capacity", Name: "api-cap", Start: t0.Add(2 * time.Hour), End: t0.Add(3 * time.Hour),
		Summary: runrecord.Summary{Requests: 6000, SuccessRatio: 1, Latency: runrecord.Latency{P99: 3e6},
			Capacity: &runrecord.Capacity{SustainableRate: 800, SummaryStep: "steps/01"}}}
	if err := runrecord.Write(capDir, capRun); err != nil {
		t.Fatal(err)
	}
	// Not a record: a broken run.json.
	bad := filepath.Join(root, "runs", "broken")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, runrecord.MetaFile), []byte("{"), 0o644)

	db, err := history.Open(ctx, filepath.Join(root, "runs", "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Import(ctx, []string{filepath.Join(root, "runs"), filepath.Join(root, "gone")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Indexed) != 3 || len(res.Missing) != 1 || len(res.Failed) != 1 || res.Failed[0].Dir != bad {
		t.Fatalf("import: %+v", res)
	}
	runs, _ := db.List(ctx, history.Filter{})
	if len(runs) != 3 {
		t.Fatalf("%d rows", len(runs))
	}
	a, c := runs[0], runs[2]
	if a.Labels["git"] != "aaa" || a.SLOPass == nil || !*a.SLOPass || a.SLO != "p99<10ms" || a.Metrics["latency.p99"].V != 4e6 {
		t.Fatalf("record a: %+v", a)
	}
	// Spread from the intervals: four per-interval p99 values.
	if v := a.Metrics["latency.p99"]; v.N != 4 || v.Sigma <= 0 {
		t.Fatalf("a's p99 spread: %+v", v)
	}
	if c.Kind != history.KindCapacity || c.Metrics["capacity.sustainable_rate"].V != 800 || c.Metrics["latency.p99"].N != 4 {
		t.Fatalf("capacity record (spread from its summary step): %+v", c)
	}

	// Moving a record and importing it again updates its path; the old
	// path shows as stale until then.
	moved := filepath.Join(root, "archive", "a")
	os.MkdirAll(filepath.Dir(moved), 0o755)
	if err := os.Rename(filepath.Join(root, "runs", "a"), moved); err != nil {
		t.Fatal(err)
	}
	stale, err := db.Stale(ctx)
	if err != nil || len(stale) != 1 || stale[0].ID != a.ID {
		t.Fatalf("stale: %+v %v", stale, err)
	}
	if _, err := db.Import(ctx, []string{moved}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(ctx, a.ID)
	if got.Path != moved {
		t.Fatalf("moved record's path %s", got.Path)
	}
	if stale, _ := db.Stale(ctx); len(stale) != 0 {
		t.Fatalf("still stale: %+v", stale)
	}
	// Labels given when indexing are added to the record's own.
	r, err := db.Index(ctx, moved, map[string]string{"env": "ci"})
	if err != nil || r.Labels["git"] != "aaa" || r.Labels["env"] != "ci" {
		t.Fatalf("index with labels: %+v %v", r.Labels, err)
	}
}
