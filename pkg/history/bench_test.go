package history_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
)

// BenchmarkIndex: reading a 60-interval record and writing its row, what
// every attack pays after its record is written.
func BenchmarkIndex(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	rec := filepath.Join(dir, "run")
	writeSynth(b, rec, synth{name: "api", start: time.Now(), p99: 4e6, noise: 0.03, intervals: 60})
	db, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for b.Loop() {
		if _, err := db.Index(ctx, rec, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListAndTrend: listing 500 runs of one name and trending the
// default metrics, what `loadgen history -name NAME` does.
func BenchmarkListAndTrend(b *testing.B) {
	ctx := context.Background()
	db, err := history.Open(ctx, filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 500 {
		r := row(fmt.Sprintf("r%03d", i), "api", t0.Add(time.Duration(i)*time.Hour), 4e6+float64(i%7)*1e4, map[string]string{"git": fmt.Sprint(i)}, nil)
		r.Metrics["throughput"] = history.Value{V: 200, Sigma: 1, N: 30}
		if err := db.Put(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		runs, err := db.List(ctx, history.Filter{Name: "api"})
		if err != nil || len(runs) != 500 {
			b.Fatal(err, len(runs))
		}
		history.Trends(runs, history.TrendOptions{})
	}
}
