// Package report reads run records and builds what every report shows:
// one run's summary and per-interval figures, several runs (the shards of
// one attack) merged exactly from their HdrHistograms, before/after
// comparisons with noise bands, and the target's pprof profiles. It reads
// only run records (package runrecord), never a live attack, so a record
// made yesterday, elsewhere or by eight shards reads the same way.
//
// The renderers live beside it: report/text (vegeta-style summary, compare
// table), report/html (the self-contained page) and report/flame (pprof's
// web UI in-process).
//
//	rep, err := report.Load("runs/a", "runs/b") // one run, or shards merged
//	if err != nil { ... }
//	fmt.Println(rep.Summary.Latency.P99)
//	c, err := report.Compare([]string{"runs/before"}, []string{"runs/after"})
//	for _, m := range c.Metrics { fmt.Println(m.Label, m.Verdict) }
package report
