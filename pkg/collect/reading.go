package collect

import "time"

// Reading is what one source saw at one instant. Nil fields are figures the
// source does not give. Counters are cumulative since the target started;
// the collector differentiates consecutive readings.
type Reading struct {
	At time.Time // when it was read (set by the collector)

	CPUSeconds  *float64 // cumulative CPU time, user+system
	RSSBytes    *float64
	HeapInUse   *float64
	Goroutines  *float64
	Threads     *float64
	OpenFDs     *float64
	CtxSwitches *float64 // cumulative, voluntary+involuntary

	// GC pauses, best first: individual pauses (expvar's PauseNs ring),
	// a summary's count and sum, or a pause histogram.
	GCCount       *float64        // cumulative number of GC cycles
	GCPauseSum    *float64        // cumulative pause seconds
	GCPauses      []time.Duration // the most recent pauses, oldest first; the last is cycle GCCount
	GCPauseHist   *Histogram      // cumulative pause histogram (runtime/metrics)
	GCCPUFraction *float64        // share of CPU used by GC since start
}

// Histogram is a cumulative histogram: Counts[i] observations <= Bounds[i].
type Histogram struct {
	Bounds []float64 // upper bounds, seconds, ascending; the last may be +Inf
	Counts []float64 // cumulative
}

func f64(v float64) *float64 { return &v }
