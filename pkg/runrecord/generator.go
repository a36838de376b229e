package runrecord

import "time"

// Generator is loadgen's own health during the attack: a generator that
// runs out of CPU or falls behind its schedule distorts what it measures,
// and must not be mistaken for the target's limit.
type Generator struct {
	Client        string        `json:"client"`          // net or fast
	CPUSeconds    float64       `json:"cpu_seconds"`     // user+sys of the loadgen process over the attack
	CPUPercent    float64       `json:"cpu_percent"`     // 100 = one core
	Cores         int           `json:"cores"`           // GOMAXPROCS: cores loadgen may use
	CPUPerRequest time.Duration `json:"cpu_per_request"` // ns of CPU per request sent
	MaxRSSBytes   uint64        `json:"max_rss_bytes"`   // peak resident memory of the process
	Workers       uint64        `json:"workers"`         // workers started (grown when all were busy)
	Connections   int           `json:"connections"`     // most connections open at once
	Bottleneck    bool          `json:"bottleneck"`      // the generator, not only the target, limited the run
	Warnings      []string      `json:"warnings,omitempty"`
}
