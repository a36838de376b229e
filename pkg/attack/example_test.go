package attack_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
)

// Attack a service at 500 requests per second for 10 seconds. Each result
// carries its intended send time, so latency is measured from it.
func ExampleNew() {
	tgts, err := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
	if err != nil {
		panic(err)
	}
	sched, err := attack.ParseRate("500/s")
	if err != nil {
		panic(err)
	}
	opts := attack.DefaultOptions()
	opts.Duration = 10 * time.Second
	a, err := attack.New(tgts, sched, opts)
	if err != nil {
		panic(err)
	}
	var slowest time.Duration
	out := a.Run(context.Background(), func(r *attack.Result) {
		slowest = max(slowest, r.Latency) // r is only valid during the call
	})
	fmt.Println(out.Sent, out.Missed, slowest)
}

// A schedule knows when every hit is due: hit n of a constant rate r is due
// at (n+1)/r after the start.
func ExampleConstant_Due() {
	sched, _ := attack.ParseRate("4/s")
	for n := uint64(0); n < 3; n++ {
		d, _ := sched.Due(n)
		fmt.Println(d)
	}
	// Output:
	// 250ms
	// 500ms
	// 750ms
}

// Two scenarios on one clock, in one attack: a steady 200/s of reads and a
// ramp of writes. Each result says which scenario it belongs to.
func ExampleNewScenarios() {
	reads, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/items"}, "GET", nil, nil)
	writes, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/orders"}, "POST", nil, []byte(`{}`))
	ramp, _ := attack.ParseStages("30s:100")
	opts := attack.DefaultOptions()
	opts.Duration = 30 * time.Second
	a, err := attack.NewScenarios([]attack.Scenario{
		{Name: "reads", Schedule: attack.Constant{Freq: 200, Per: time.Second}, Targets: reads},
		{Name: "writes", Schedule: ramp, Targets: writes},
	}, opts)
	if err != nil {
		panic(err)
	}
	var per [2]int
	out := a.Run(context.Background(), func(r *attack.Result) { per[r.Scenario]++ })
	for i, s := range out.Scenarios {
		fmt.Println(s.Name, per[i], s.Missed)
	}
}

// Read targets as the attack needs them (vegeta's -lazy): a stream that
// never ends, or a file too large to hold, is read a bounded number of
// targets ahead; each slot takes the next one, once, and the attack ends
// when the stream does (Outcome.StreamEnd says why).
func ExampleNewTargetStream() {
	src := strings.NewReader("GET http://127.0.0.1:8080/a\nGET http://127.0.0.1:8080/b\n")
	st, err := attack.NewTargetStream(src, "stdin", attack.FormatHTTP, nil, nil, attack.StreamOptions{})
	if err != nil {
		panic(err)
	}
	sched, _ := attack.ParseRate("100/s")
	opts := attack.DefaultOptions()
	opts.Duration = time.Minute
	a, err := attack.NewScenarios([]attack.Scenario{{Schedule: sched, Stream: st}}, opts)
	if err != nil {
		panic(err)
	}
	out := a.Run(context.Background(), func(r *attack.Result) {
		fmt.Println(r.Lazy.URL) // the hit's own target
	})
	fmt.Println(out.Sent, out.TargetsRead, out.StreamEnd)
}
