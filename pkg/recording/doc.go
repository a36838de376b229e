// Package recording turns attack results into a run record while the
// attack runs: HdrHistograms of intended-time latency, service latency and
// dispatch lag, one set per interval streamed to latency.hlog as each
// interval closes, plus status codes, grouped errors and per-interval
// counts, and the K slowest requests of every interval (exemplars.jsonl:
// when each was due, its latencies, status or error, target and trace id).
// Nothing is kept per request, so memory does not grow with the length of
// a run. It knows attack results and the run record's format,
// nothing else: reports read what it wrote, never the recorder.
//
// Typical use, with an attack.Attacker a:
//
//	rec, err := recording.New(dir, recording.Config{Interval: time.Second, Highest: time.Hour})
//	if err != nil { ... }
//	out := a.Run(ctx, rec.Record)
//	sum, err := rec.Close(out) // the summary; latency.hlog and intervals.jsonl are committed
package recording
