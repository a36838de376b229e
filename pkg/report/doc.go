// Package report records latency into HdrHistograms while an attack runs and
// builds every report from run records: summaries, merges of shards, the
// text, JSON, HTML and hlog renderers, before/after comparisons, and
// google/pprof's flame graphs of the target's profiles.
//
// While attacking:
//
//	rec, _ := report.NewRecorder(dir, report.RecorderConfig{Interval: time.Second, Highest: time.Hour})
//	out := attacker.Run(ctx, rec.Record)
//	sum, _ := rec.Close(report.Totals{...})
//
// Afterwards, from disk:
//
//	res, _ := report.Load("runs/a", "runs/b") // one run, or shards merged
//	report.WriteText(os.Stdout, res.Summary)
//	report.WriteHTML(f, res)                        // self-contained page
//	c, _ := report.Compare([]string{"runs/a"}, []string{"runs/b"})
//	report.WriteCompareText(os.Stdout, c)           // the before/after table
//	p, _ := report.LoadProfile("cpu", "runs/a")
//	report.ServeFlame(ctx, ln, p, nil)              // pprof's web UI
package report
