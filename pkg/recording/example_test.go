package recording_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/recording"
)

// Record an attack into a run directory: latency.hlog and intervals.jsonl
// are written as the attack runs; Close returns the summary.
func ExampleNew() {
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
	sched, _ := attack.ParseRate("100/s")
	opts := attack.DefaultOptions()
	opts.Duration = 5 * time.Second
	a, err := attack.New(tgts, sched, opts)
	if err != nil {
		panic(err)
	}
	rec, err := recording.New("runs/example", recording.Config{Interval: time.Second, Highest: time.Hour})
	if err != nil {
		panic(err)
	}
	sum, err := rec.Close(a.Run(context.Background(), rec.Record))
	if err != nil {
		panic(err)
	}
	fmt.Println(sum.Requests, sum.Latency.P99)
}
