// Package slo parses service level objectives given as a comma list of
// checks, like
//
//	p99<50ms,p999<200ms,success>=99.9%,missed==0
//
// and evaluates them against a run's summary. Each check is KEY OP VALUE:
// KEY names a figure of the JSON summary (latency percentiles, service
// latency, dispatch lag, success, throughput, rate, missed, target CPU and
// RSS), OP is one of < <= > >= ==, and VALUE carries the unit its key
// needs (a duration for latencies, % or a 0..1 ratio for success, /s for
// rates). A check can be about one endpoint group or one scenario of the
// run instead of the whole of it, like k6's thresholds on a tag:
//
//	p99{group=orders}<80ms,success{group="GET /items"}>=99.9%,missed{scenario=writes}==0
//
// Like k6 thresholds, a failed check is a verdict, not an error:
//
//	set, err := slo.Parse("p99<50ms,success>=99.9%")
//	if err != nil { /* bad expression: say which part and why */ }
//	res := set.Evaluate(run.Summary) // *runrecord.SLOResult
//	if !res.Pass { /* fail the build */ }
package slo
