package runner_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runner"
)

// One attack end to end, its run record written to runs/x.
func ExampleExecute() {
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/hello"}, "GET", nil, nil)
	sched, _ := attack.ParseRate("200/s")
	opts := attack.DefaultOptions()
	opts.Duration = 10 * time.Second
	run, err := runner.Execute(context.Background(), runner.Plan{
		Targets: tgts, Schedule: sched, Options: opts, Out: "runs/x",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Summary.Requests, run.Summary.Latency.P99)
}
