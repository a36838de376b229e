package slo_test

import (
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

func ExampleParse() {
	set, err := slo.Parse("p99<50ms,success>=99.9%")
	if err != nil {
		panic(err)
	}
	res := set.Evaluate(runrecord.Summary{
		Requests: 1000, SuccessRatio: 1,
		Latency: runrecord.Latency{P99: 62 * time.Millisecond},
	})
	fmt.Println(res.Pass)
	for _, c := range res.Checks {
		fmt.Println(c.Expr, c.Pass, c.Value, c.Unit)
	}
	// Output:
	// false
	// p99<50ms false 62 ms
	// success>=99.9% true 100 %
}
