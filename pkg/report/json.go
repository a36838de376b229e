package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// WriteJSON writes the summary as the JSON contract of DESIGN.md.
func WriteJSON(w io.Writer, s runrecord.Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // for tools and people, not a page: URLs stay as they are
	return enc.Encode(s)
}

// Diverged reports whether intended-time latency is materially worse than
// service latency at p99 because requests waited to be sent: the generator
// or the target fell behind its schedule, and a closed-loop tool would have
// under-reported latency. The wait has to account for the gap (a dispatch
// lag p99 of at least half of it, or missed slots): where a few slow
// requests sit right at the 1 % (the demo's 100 ms /stall is 1.4 % of its
// requests), the two p99s can land on different sides of them with no
// request waiting more than a few hundred µs.
func Diverged(s runrecord.Summary) bool {
	l, sv := s.Latency.P99, s.ServiceLatency.P99
	waited := s.DispatchLag.P99 >= (l-sv)/2 || s.Missed > 0
	return l > sv+time.Millisecond && float64(l) > 1.25*float64(sv) && waited
}

// compareJSON is the JSON form: both summaries, then the metric rows.
type compareJSON struct {
	Base      any               `json:"base"`
	New       any               `json:"new"`
	Metrics   []Metric          `json:"metrics"`
	Functions []FunctionShare   `json:"functions,omitempty"`
	Groups    []GroupComparison `json:"groups,omitempty"`
}

// WriteCompareJSON writes {"base": summary, "new": summary, "metrics": [...]}
// (plus "functions" when both runs have CPU profiles).
func WriteCompareJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(compareJSON{Base: c.Base.Summary, New: c.New.Summary, Metrics: c.Metrics, Functions: c.Functions, Groups: c.Groups})
}
