package history_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
)

func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "history")
	defer os.RemoveAll(dir)
	db, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	// Usually db.Index(ctx, recordDir, labels) makes the row from a run
	// record; here the rows are made by hand: p99 moves from 4 ms to 6 ms
	// at the build labelled git=c06.
	p99 := []float64{4.1, 3.9, 4.0, 4.2, 4.0, 3.9, 6.1, 5.9, 6.2, 6.0, 5.8}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, ms := range p99 {
		db.Put(ctx, history.Run{
			ID: fmt.Sprintf("run%02d", i), Name: "checkout", Kind: history.KindAttack,
			Start: t0.Add(time.Duration(i) * time.Hour), Labels: map[string]string{"git": fmt.Sprintf("c%02d", i)},
			Metrics: map[string]history.Value{"latency.p99": {V: ms * 1e6, Sigma: 0.2e6, N: 30}},
		})
	}
	runs, _ := db.List(ctx, history.Filter{Name: "checkout"})
	for _, t := range history.Trends(runs, history.TrendOptions{}) {
		for _, s := range t.Shifts {
			fmt.Printf("%s %s: %s at git=%s, %.1f -> %.1f ms\n", t.Name, t.Metric.Label, s.Verdict,
				t.Points[s.Index].Labels["git"], s.Before/1e6, s.After/1e6)
		}
	}
	// Output:
	// checkout latency p99: worse at git=c06, 4.0 -> 6.0 ms
}
