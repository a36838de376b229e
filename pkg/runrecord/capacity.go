package runrecord

import "time"

// Capacity is the result of a capacity search (run kind "capacity"): the
// highest rate whose step met the SLO, and every step measured.
type Capacity struct {
	// SustainableRate is the highest rate (requests/s) whose step met the
	// SLO; 0 when none did. With LowerBound set the true capacity may be
	// higher (the search was interrupted or stopped at MaxRate).
	SustainableRate float64 `json:"sustainable_rate"`
	LowerBound      bool    `json:"lower_bound,omitempty"`
	// Knee is the lowest rate whose step failed the SLO (0: none failed):
	// the capacity lies between SustainableRate and Knee.
	Knee       float64 `json:"knee"`
	StopReason string  `json:"stop_reason"`
	SLO        string  `json:"slo"`
	// Group is the endpoint group the SLO's latency checks are about,
	// when they all name one: the steps' figures are that group's.
	Group     string  `json:"group,omitempty"`
	MinRate   float64 `json:"min_rate"`
	MaxRate   float64 `json:"max_rate"`
	Precision float64 `json:"precision"`
	// SummaryStep is the step whose figures the capacity run's summary
	// repeats: the one at the sustainable rate (or the lowest, if none).
	SummaryStep string         `json:"summary_step"`
	Steps       []CapacityStep `json:"steps"`
	// LatencyLimits are the SLO's upper bounds on intended-time latency
	// percentiles (p99<100ms), for drawing the threshold the steps met.
	LatencyLimits []LatencyLimit `json:"latency_limits,omitempty"`
}

// LatencyLimit is one SLO bound on a latency percentile.
type LatencyLimit struct {
	Expr  string        `json:"expr"`
	Key   string        `json:"key"` // p50, p90, p95, p99, p999, max, mean
	Limit time.Duration `json:"limit"`
}

// CapacityStep is one measured step of a capacity search. Its own run
// record is in Dir (relative to the capacity run's directory).
type CapacityStep struct {
	Rate       float64       `json:"rate"`  // requested, requests/s
	Phase      string        `json:"phase"` // grow or bisect
	Pass       bool          `json:"pass"`
	Dir        string        `json:"dir"`
	Duration   time.Duration `json:"duration"` // measured window actually sent
	Requests   uint64        `json:"requests"`
	Throughput float64       `json:"throughput"` // successful/s
	Success    float64       `json:"success"`    // ratio 0..1
	P50        time.Duration `json:"p50"`
	P99        time.Duration `json:"p99"`
	P999       time.Duration `json:"p999"`
	Max        time.Duration `json:"max"`
	// Target figures when a collector ran.
	TargetCPU *float64 `json:"target_cpu_percent,omitempty"`
	TargetRSS *float64 `json:"target_rss_bytes,omitempty"`
	// Failed lists the SLO checks that failed.
	Failed []string `json:"failed,omitempty"`
	// EarlyStop says why the step was cut short (it then fails).
	EarlyStop string `json:"early_stop,omitempty"`
	// Shortfall says why the step did not sustain its rate: its steady
	// throughput fell short of the offered rate beyond noise (it then
	// fails, whatever the SLO).
	Shortfall string `json:"shortfall,omitempty"`
	// Interrupted: Ctrl-C cut the step; it counts neither way.
	Interrupted bool `json:"interrupted,omitempty"`
}
