package runrecord

import "time"

// Generator is loadgen's own health during the attack: a generator that
// runs out of CPU or falls behind its schedule distorts what it measures,
// and must not be mistaken for the target's limit.
type Generator struct {
	Client        string        `json:"client"`                    // net or fast
	CPUSeconds    float64       `json:"cpu_seconds"`               // user+sys of the loadgen process over the attack
	CPUPercent    float64       `json:"cpu_percent"`               // 100 = one core
	Cores         int           `json:"cores"`                     // GOMAXPROCS: cores loadgen may use
	CPUPerRequest time.Duration `json:"cpu_per_request"`           // ns of CPU per request sent
	MaxRSSBytes   uint64        `json:"max_rss_bytes"`             // peak resident memory of the process
	Pacing        string        `json:"pacing,omitempty"`          // precise or coarse
	Workers       uint64        `json:"workers"`                   // most workers at once (grown while slots waited and the backlog did not drain)
	Retired       uint64        `json:"workers_retired,omitempty"` // workers that left when the load had needed far fewer for a while
	MaxWorkers    uint64        `json:"max_workers"`               // the ceiling on workers, so on requests in flight
	Connections   int           `json:"connections"`               // most connections open at once
	PeakInFlight  uint64        `json:"peak_in_flight"`            // most requests in flight at once
	PeakWaiting   uint64        `json:"peak_waiting"`              // most slots due at once with every worker in flight
	Dropped       uint64        `json:"dropped"`                   // slots missed because they waited past the caps (part of missed)
	Goroutines    int           `json:"peak_goroutines"`           // most goroutines in the loadgen process during the attack
	Bottleneck    bool          `json:"bottleneck"`                // the generator, not only the target, limited the run
	Warnings      []string      `json:"warnings,omitempty"`
}
