// Package flame runs google/pprof's web UI in-process for a run record's
// profiles: Serve is `go tool pprof -http` without a Go toolchain, and
// Embeddable renders pprof's flame graph page for the HTML report. pprof's
// driver keeps its settings in package state, so one process renders one
// profile at a time.
//
//	p, _ := report.LoadProfile("cpu", "runs/x")
//	flame.Serve(ctx, ln, p, nil)
package flame
