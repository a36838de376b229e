package collect_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/collect"
)

// Sample a Go service's pprof and Prometheus endpoints around a 30 s
// attack; the timeline and profiles go into the run directory.
func ExampleNew() {
	c, err := collect.New(collect.Config{
		PprofURL:   "http://127.0.0.1:6060/debug/pprof",
		MetricsURL: "http://127.0.0.1:6060/metrics",
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	c.Start(ctx, "runs/x")
	c.WaitBaseline(ctx) // idle samples first
	c.Begin(30 * time.Second)
	// ... run the attack ...
	sum, err := c.Stop(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(sum.CPUPercent.Mean, sum.RSSBytes.Max)
}
