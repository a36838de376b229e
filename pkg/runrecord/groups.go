package runrecord

import (
	"strconv"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// OtherGroup is the group that holds the endpoints left over when a run
// has more groups than its limit.
const OtherGroup = "other"

// GroupSummary is one endpoint group of a run: its name (a method and URL,
// folded or given), and the same summary fields as the whole run. Missed
// is a property of a schedule, not of an endpoint: see Scenarios.
type GroupSummary struct {
	Name string `json:"name"`
	// Tag is the group's tag in groups.hlog ("g3"; its service and
	// dispatch-lag series are tagged g3.service and g3.dispatch_lag).
	// Empty when the run had one group: latency.hlog is then that group.
	Tag string `json:"tag,omitempty"`
	// Scenario is the scenario whose slots the group's requests were.
	Scenario string `json:"scenario,omitempty"`
	// Targets is how many of the attack's targets the group holds.
	Targets int `json:"targets"`
	Summary
}

// ScenarioSummary is one scenario of a run: its own schedule's counts
// (sent, due, missed) and the summary of every request of its groups.
type ScenarioSummary struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"`
	Sent     uint64   `json:"sent"`
	Due      uint64   `json:"due"`
	Groups   []string `json:"groups"`
	Summary
}

// GroupFolding says how targets were folded into groups because their
// distinct methods and URLs outnumbered the group limit.
type GroupFolding struct {
	Endpoints int `json:"endpoints"` // distinct method+URL endpoints
	Groups    int `json:"groups"`    // groups after folding
	Max       int `json:"max"`       // the group limit
	// Folded names what was folded: "query values", "id-like path segments".
	Folded []string `json:"folded,omitempty"`
	// Other is how many endpoints went to the "other" group(s).
	Other int `json:"other,omitempty"`
}

// GroupTag is the groups.hlog tag of group i's intended-time latency.
func GroupTag(i int) string { return "g" + strconv.Itoa(i) }

// SparseSeries holds three series, sparse: one group's, or the open
// interval of the run's own latency log. Most of an interval's histogram
// buckets are empty, so a PackedHistogram takes a few KiB where a dense
// one takes about 190 KiB, and it is encoded without copying its counts.
type SparseSeries struct {
	Latency, Service, Lag *hdr.PackedHistogram
}

// NewSparseSeries returns empty sparse histograms tracking values up to
// highest ns, with the bounds of every series.
func NewSparseSeries(highest int64) SparseSeries {
	return SparseSeries{
		Latency: hdr.NewPacked(HistogramLowest, highest, HistogramSigFigs),
		Service: hdr.NewPacked(HistogramLowest, highest, HistogramSigFigs),
		Lag:     hdr.NewPacked(HistogramLowest, highest, HistogramSigFigs),
	}
}

// Reset empties the three histograms, keeping their storage.
func (g SparseSeries) Reset() {
	g.Latency.Reset()
	g.Service.Reset()
	g.Lag.Reset()
}

// Merge adds o's counts into g.
func (g SparseSeries) Merge(o SparseSeries) {
	g.Latency.Merge(o.Latency)
	g.Service.Merge(o.Service)
	g.Lag.Merge(o.Lag)
}

// RecordPacked adds v to h, clamped into [0, highest] like RecordClamped.
func RecordPacked(h *hdr.PackedHistogram, n int64) {
	if n < 0 {
		n = 0
	}
	if hi := h.HighestTrackableValue(); n > hi {
		n = hi
	}
	_ = h.RecordValue(n) // cannot fail inside the range
}
