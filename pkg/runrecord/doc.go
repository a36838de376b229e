// Package runrecord is the on-disk format of one loadgen run: a directory
// holding run.json (plan, environment and summary), latency.hlog (an
// HdrHistogram interval log), intervals.jsonl (per-interval counts), the
// target timeline and pprof profiles. Other tools can read every file
// without loadgen; loadgen's reports read nothing else.
//
// Files are written atomically (temporary file, then rename), so a crash or
// Ctrl-C never leaves a half-written file behind under its final name.
package runrecord
