package runrecord

import "time"

// Summary is the JSON summary contract of DESIGN.md. Durations are integer
// nanoseconds. Existing keys never change name; new keys may be added.
type Summary struct {
	Requests     uint64  `json:"requests"`
	SuccessRatio float64 `json:"success_ratio"`
	Rate         float64 `json:"rate"`       // sent per second
	Throughput   float64 `json:"throughput"` // successful per second
	Missed       uint64  `json:"missed"`
	// Retries: requests sent again on a new connection, because a kept-
	// alive one turned out closed before the request was written (any
	// method), or failed before the first response byte (idempotent
	// methods only: net/http's rules, with either client).
	Retries        uint64            `json:"retries"`
	Duration       time.Duration     `json:"duration"` // how long the attack sent
	Wait           time.Duration     `json:"wait"`     // from the end of sending to the last response
	Latency        Latency           `json:"latency"`
	ServiceLatency Latency           `json:"service_latency"`
	DispatchLag    Lag               `json:"dispatch_lag"`
	StatusCodes    map[string]uint64 `json:"status_codes"`
	Errors         []ErrorCount      `json:"errors"`
	BytesIn        uint64            `json:"bytes_in"`  // on the wire, headers included
	BytesOut       uint64            `json:"bytes_out"` // on the wire, headers included
	Target         *TargetSummary    `json:"target,omitempty"`
	SLO            *SLOResult        `json:"slo,omitempty"`
	Capacity       *Capacity         `json:"capacity,omitempty"`
	Generator      *Generator        `json:"generator,omitempty"`
	// Exemplars are the slowest requests of the run, slowest first (as
	// many as each interval keeps).
	Exemplars []Exemplar `json:"exemplars,omitempty"`
	// Groups are the run's endpoint groups, each with the same fields as
	// the whole run (absent in records made before groups existed).
	Groups []GroupSummary `json:"groups,omitempty"`
	// GroupFolding says how targets were folded into groups, when there
	// were more distinct endpoints than the group limit.
	GroupFolding *GroupFolding `json:"group_folding,omitempty"`
	// Scenarios are the run's scenarios, when its plan had several.
	Scenarios []ScenarioSummary `json:"scenarios,omitempty"`
	// Stream describes targets read as the attack went (vegeta's -lazy).
	Stream *TargetStream `json:"target_stream,omitempty"`
}

// StreamEnded is TargetStream.Ended when the stream's end ended the run.
const StreamEnded = "end"

// TargetStream is how a run's targets were read, when they were read as
// the attack went rather than before it (vegeta's -lazy).
type TargetStream struct {
	Source string `json:"source"` // the file name, or "stdin"
	Read   uint64 `json:"read"`   // targets read
	// Late is how many slots were due before their target was read: sent
	// late (the wait is in their latency) or, at the end, never sent.
	Late uint64 `json:"late"`
	// Ended says why the stream ended the attack early: "end" (its end,
	// as vegeta stops at the end of a lazy targets file) or the bad
	// target, "name:line: problem". Empty: the attack ended first.
	Ended string `json:"ended,omitempty"`
}

// Latency is a latency distribution's summary.
type Latency struct {
	Min   time.Duration `json:"min"`
	Mean  time.Duration `json:"mean"`
	P50   time.Duration `json:"p50"`
	P90   time.Duration `json:"p90"`
	P95   time.Duration `json:"p95"`
	P99   time.Duration `json:"p99"`
	P999  time.Duration `json:"p999"`
	P9999 time.Duration `json:"p9999"`
	Max   time.Duration `json:"max"`
}

// Lag summarises dispatch lag (actual minus intended send time).
type Lag struct {
	P50 time.Duration `json:"p50"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
	// NotApplicable: the attack had no schedule (rate 0, as fast as
	// possible), so no request had an intended send time to lag behind.
	NotApplicable bool `json:"not_applicable,omitempty"`
}

// ErrorCount is one normalised error message and how often it happened.
type ErrorCount struct {
	Message string `json:"message"`
	Count   uint64 `json:"count"`
}

// TargetSummary is what the collector saw of the target during the attack.
type TargetSummary struct {
	CPUPercent MeanMax    `json:"cpu_percent"`
	RSSBytes   MeanMax    `json:"rss_bytes"`
	GCPause    GCPause    `json:"gc_pause"`
	Goroutines MaxOnly    `json:"goroutines"`
	Warnings   []string   `json:"warnings,omitempty"`
	Baseline   *Baseline  `json:"baseline,omitempty"`
	Sources    []string   `json:"sources,omitempty"`
	Extra      *ExtraInfo `json:"extra,omitempty"`
	// ProfilingOff names the profiles (mutex, block) the target returned
	// empty because it has them switched off, as Go does by default.
	ProfilingOff []string `json:"profiling_off,omitempty"`
}

// MeanMax is a gauge's mean and maximum over the attack.
type MeanMax struct {
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// MaxOnly is a gauge's maximum over the attack.
type MaxOnly struct {
	Max float64 `json:"max"`
}

// GCPause summarises the target's GC pauses during the attack.
type GCPause struct {
	Count uint64        `json:"count"`
	P99   time.Duration `json:"p99"`
	Max   time.Duration `json:"max"`
}

// Baseline is the target's idle state measured just before the attack.
type Baseline struct {
	CPUPercent float64 `json:"cpu_percent"`
	RSSBytes   float64 `json:"rss_bytes"`
}

// ExtraInfo holds optional target figures that not every source gives.
type ExtraInfo struct {
	HeapInUseBytes MeanMax `json:"heap_inuse_bytes"`
	Threads        MaxOnly `json:"threads"`
	OpenFDs        MaxOnly `json:"open_fds"`
}

// SLOResult is the verdict of -slo checks.
type SLOResult struct {
	Pass   bool       `json:"pass"`
	Checks []SLOCheck `json:"checks"`
	// Partial is set when the figures the checks read miss part of the
	// load (a shard of a coordinated run was lost); Note says which.
	Partial bool   `json:"partial,omitempty"`
	Note    string `json:"note,omitempty"`
}

// SLOCheck is one SLO expression, the value measured and whether it held.
type SLOCheck struct {
	Expr  string  `json:"expr"`
	Value float64 `json:"value"`
	Pass  bool    `json:"pass"`
	// Unit of Value: ms for latencies, % for success and CPU, /s, B.
	Unit string `json:"unit,omitempty"`
	// Note says why a check could not be measured (it then fails).
	Note string `json:"note,omitempty"`
}
