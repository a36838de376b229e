package runrecord

import (
	"path/filepath"
)

// Profile file names under ProfilesDir. CPU windows are cpu-001.pb.gz,
// cpu-002.pb.gz, ...; cpu.pb.gz is their merge over the whole attack.
const (
	ProfileCPU       = "cpu.pb.gz"
	ProfileHeap      = "heap.pb.gz"      // in-use at the end of the attack
	ProfileAllocs    = "allocs.pb.gz"    // delta over the attack
	ProfileGoroutine = "goroutine.pb.gz" // at the peak
	ProfileMutex     = "mutex.pb.gz"     // delta over the attack
	ProfileBlock     = "block.pb.gz"     // delta over the attack
	ProfileSelfCPU   = "loadgen-cpu.pb.gz"
)

// TargetSample is one row of target.jsonl: what the collector saw of the
// target at one instant, on the same wall clock as latency.hlog. Fields a
// source does not provide are omitted.
type TargetSample struct {
	TimeMs     int64    `json:"t"` // Unix milliseconds
	Baseline   bool     `json:"baseline,omitempty"`
	CPUPercent *float64 `json:"cpu_percent,omitempty"` // over the preceding interval; 100 = one core
	RSSBytes   *float64 `json:"rss_bytes,omitempty"`
	HeapInUse  *float64 `json:"heap_inuse_bytes,omitempty"`
	Goroutines *float64 `json:"goroutines,omitempty"`
	Threads    *float64 `json:"threads,omitempty"`
	OpenFDs    *float64 `json:"open_fds,omitempty"`
	CtxSwitch  *float64 `json:"ctx_switches_per_sec,omitempty"`
	GCCount    *float64 `json:"gc_count,omitempty"`     // GCs in the preceding interval
	GCPauseMax *int64   `json:"gc_pause_max,omitempty"` // ns, in the preceding interval
	GCPauses   []int64  `json:"gc_pauses,omitempty"`    // ns, individual pauses when known
	// GCCPUFraction is the share of the target's CPU spent in GC since it
	// started (Go's MemStats.GCCPUFraction, from expvar).
	GCCPUFraction *float64 `json:"gc_cpu_fraction,omitempty"`
}

// WriteTargetSamples stores target.jsonl of run runID atomically.
func WriteTargetSamples(dir, runID string, rows []TargetSample) error {
	return writeJSONL(filepath.Join(dir, TargetFile), targetFormat, runID, rows)
}

// ReadTargetSamples loads target.jsonl (missing file: no rows).
func ReadTargetSamples(dir string) ([]TargetSample, error) {
	return readJSONL[TargetSample](filepath.Join(dir, TargetFile))
}
