package changepoint_test

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/changepoint"
)

func ExampleDetect() {
	// p99 of twelve runs in ms: one wild run (9.8), then the level moves
	// from about 4 to about 6 at run 7.
	p99 := []float64{4.1, 3.9, 4.0, 9.8, 4.2, 4.0, 3.9, 6.1, 5.9, 6.2, 6.0, 5.8}
	for _, cp := range changepoint.Detect(p99, changepoint.Options{}) {
		fmt.Printf("run %d: %.2f -> %.2f ms (%+.0f%%)\n", cp.Index, cp.Before.Mean, cp.After.Mean, 100*cp.Relative())
	}
	// Output:
	// run 7: 4.84 -> 6.00 ms (+24%)
}
