package flame_test

import (
	"context"
	"net"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// Serve pprof's web UI (flame graph, top, source) for a run's CPU profile.
func ExampleServe() {
	p, err := report.LoadProfile("cpu", "runs/x")
	if err != nil || p == nil {
		panic("no CPU profile in runs/x")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	_ = flame.Serve(context.Background(), ln, p, nil) // until the context ends
}
