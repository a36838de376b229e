package coordinator_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/coordinator"
)

// A coordinator for four shards of a 2,500 req/s attack: it waits for
// them, starts them together and writes the merged record.
func ExampleNew() {
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
	sched, _ := attack.ParseRate("2500/s")
	opts := attack.DefaultOptions()
	opts.Duration = 30 * time.Second
	c, err := coordinator.New(coordinator.Config{
		Plan:     coordinator.PlanOf(tgts, sched, opts, time.Second, 4),
		Schedule: sched,
		Duration: opts.Duration,
		Timeout:  opts.Timeout,
		Out:      "runs/sharded",
	})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:7070")
	if err != nil {
		panic(err)
	}
	run, err := c.Run(context.Background(), ln)
	if err != nil {
		fmt.Println(err)
	}
	if run != nil {
		fmt.Println(run.Summary.Requests, run.Summary.Latency.P99)
	}
}
