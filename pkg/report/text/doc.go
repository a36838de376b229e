// Package text renders run records as text: the summary (laid out like
// vegeta's text report, with service latency, dispatch lag, missed slots,
// the generator's and the target's figures, SLO verdicts), the capacity
// search's step table, and the before/after comparison table. Its small
// formatters (Round, Bytes, Value...) are shared with the HTML renderer
// so both say the same numbers the same way.
//
//	rep, _ := report.Load("runs/x")
//	text.Write(os.Stdout, rep.Summary)
package text
