package livemetrics_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/livemetrics"
)

// Serve an attack's metrics on 127.0.0.1:9464/metrics while it runs.
func ExampleListen() {
	srv, err := livemetrics.Listen("127.0.0.1:9464")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
	sched, _ := attack.ParseRate("100/s")
	opts := attack.DefaultOptions()
	opts.Duration = 10 * time.Second
	opts.Trace = true // exemplars with trace ids
	a, err := attack.New(tgts, sched, opts)
	if err != nil {
		panic(err)
	}
	m := livemetrics.New(a, livemetrics.Info{Name: "example", Schedule: sched.String(), Client: a.Client(), TraceSample: 1})
	srv.Attach(m)
	out := a.Run(context.Background(), m.Observe)
	m.Finish(out)
	fmt.Println("scraped", srv.Scrapes(), "times at", srv.URL())
}
