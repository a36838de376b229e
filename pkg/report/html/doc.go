// Package html renders a run record (or shards merged, or a comparison) as
// one self-contained HTML page: uPlot charts of latency and the target's
// CPU, RSS and GC on one time axis, the percentile spectrum, status codes
// and errors, and google/pprof's own flame graph. Everything is inlined,
// so the page opens from disk with no network.
//
//	path, err := html.WriteRecord("runs/x") // runs/x/report.html
package html
