// Package report records latency into HdrHistograms while an attack runs and
// builds every report from run records: summaries, merges of shards, and the
// text, JSON and hlog renderers.
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
package report
