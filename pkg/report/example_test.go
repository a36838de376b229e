package report_test

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/report"
)

// One run's summary, or the shards of one attack merged exactly.
func ExampleLoad() {
	rep, err := report.Load("runs/a-0", "runs/a-1")
	if err != nil {
		panic(err)
	}
	fmt.Println(rep.Summary.Requests, rep.Summary.Latency.P99, len(rep.Intervals))
}

// Before and after, with a verdict per metric beyond run-to-run noise.
func ExampleCompare() {
	c, err := report.Compare([]string{"runs/before"}, []string{"runs/after"})
	if err != nil {
		panic(err)
	}
	for _, m := range c.Metrics {
		fmt.Println(m.Label, m.Verdict)
	}
}
