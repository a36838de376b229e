package runrecord

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"
)

// ExemplarsFile holds the slowest requests of every latency interval.
const ExemplarsFile = "exemplars.jsonl"

// TargetSpansFile holds the server spans a traced target recorded during
// the run, when it was one that can say (the demo target does: one JSON
// line per span, OpenTelemetry's stdout exporter format).
const TargetSpansFile = "target-spans.jsonl"

// Bounds on how many exemplars an interval keeps.
const (
	DefaultExemplars = 5
	MaxExemplars     = 100
)

// Exemplar is one of the slowest requests of its latency interval: enough
// to find it again in the target's logs or traces. Durations are
// nanoseconds, like the summary's.
type Exemplar struct {
	// IntervalMs is the start of its latency interval (Unix ms): the one
	// its response ended in, as in latency.hlog.
	IntervalMs     int64         `json:"t"`
	Intended       time.Time     `json:"intended"` // when it was due
	Latency        time.Duration `json:"latency"`  // from the intended send time
	ServiceLatency time.Duration `json:"service_latency"`
	DispatchLag    time.Duration `json:"dispatch_lag"`
	Status         int           `json:"status"`          // 0: no response
	Error          string        `json:"error,omitempty"` // grouped (NormalizeError)
	Target         string        `json:"target"`          // "METHOD URL", secrets redacted
	// Group is the endpoint group it belongs to, when the run had several
	// (a name of the summary's groups).
	Group string `json:"group,omitempty"`
	// TraceID is the W3C trace id it carried (32 lowercase hex digits)
	// when the attack was traced; Sampled says whether its sampled flag
	// was set (a tracing backend keeps only sampled traces).
	TraceID string `json:"trace_id,omitempty"`
	Sampled *bool  `json:"sampled,omitempty"`
	Seq     uint64 `json:"seq"` // hit number, as sent in X-Vegeta-Seq
}

// End is when its response ended.
func (e Exemplar) End() time.Time { return e.Intended.Add(e.Latency) }

// Slower orders exemplars slowest first; ties go to the earlier one.
func Slower(a, b Exemplar) int {
	if c := cmp.Compare(b.Latency, a.Latency); c != 0 {
		return c
	}
	return cmp.Or(a.Intended.Compare(b.Intended), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.TraceID, b.TraceID))
}

// TopExemplars returns the k slowest of list, slowest first (a new slice).
func TopExemplars(list []Exemplar, k int) []Exemplar {
	out := slices.Clone(list)
	slices.SortFunc(out, Slower)
	if len(out) > k {
		out = out[:k:k]
	}
	return out
}

// MergeExemplars combines the exemplars of several records (shards of one
// attack): per interval, the k slowest of the union, which are the k
// slowest of the merged interval because each record kept its own k
// slowest. Intervals come out in time order, each slowest first.
func MergeExemplars(k int, lists ...[]Exemplar) []Exemplar {
	by := map[int64][]Exemplar{}
	for _, l := range lists {
		for _, e := range l {
			by[e.IntervalMs] = append(by[e.IntervalMs], e)
		}
	}
	starts := make([]int64, 0, len(by))
	for t := range by {
		starts = append(starts, t)
	}
	slices.Sort(starts)
	var out []Exemplar
	for _, t := range starts {
		out = append(out, TopExemplars(by[t], k)...)
	}
	return out
}

// ExemplarWriter streams exemplars.jsonl as intervals close.
type ExemplarWriter struct {
	w   io.Writer
	enc *json.Encoder
}

// NewExemplarWriter writes JSON lines to w, starting with the header row
// that ties the file to run runID (identity.go).
func NewExemplarWriter(w io.Writer, runID string) (*ExemplarWriter, error) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // a file, not a page: keep URLs readable
	if err := enc.Encode(jsonlHeader{Format: exemplarsFormat, RunID: runID}); err != nil {
		return nil, fmt.Errorf("write %s: %w", ExemplarsFile, err)
	}
	return &ExemplarWriter{w: w, enc: enc}, nil
}

// Write appends exemplars, one per line.
func (ew *ExemplarWriter) Write(list []Exemplar) error {
	for i := range list {
		if err := ew.enc.Encode(&list[i]); err != nil {
			return fmt.Errorf("write %s: %w", ExemplarsFile, err)
		}
	}
	return nil
}

// ReadExemplars loads exemplars.jsonl (missing file: none).
func ReadExemplars(dir string) ([]Exemplar, error) {
	return readJSONL[Exemplar](filepath.Join(dir, ExemplarsFile))
}
