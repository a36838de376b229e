package historytext_test

import (
	"os"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historytext"
)

func ExampleWrite() {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	runs := []history.Run{{ID: "r1", Name: "checkout", Kind: "attack", Start: t0, Path: "runs/checkout-1",
		Labels:  map[string]string{"git": "abc123"},
		Metrics: map[string]history.Value{"requests": {V: 3000}, "throughput": {V: 100}, "latency.p99": {V: 4.2e6}, "success_ratio": {V: 1}}}}
	historytext.Write(os.Stdout, runs, history.Trends(runs, history.TrendOptions{}))
	// Output:
	// start (UTC)          name      kind    labels      requests  throughput  p99    success  SLO  record
	// 2026-11-01 09:00:00  checkout  attack  git=abc123  3000      100.0/s     4.2ms  100.00%  -    runs/checkout-1
	//
	// Shifts (change points of each metric over the runs of a name):
	//   checkout: no shift in 1 runs; a shift needs 4 runs at each level
}
