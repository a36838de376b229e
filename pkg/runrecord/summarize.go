package runrecord

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Counts are everything a summary needs besides the histograms. The live
// recorder fills them from results; merging shards adds them up.
type Counts struct {
	Requests, Success, BytesIn, BytesOut uint64
	Codes                                map[string]uint64
	Errors                               ErrorSet
	LastEnd                              time.Time // when the last response ended
}

// NewCounts returns empty counts.
func NewCounts() Counts {
	return Counts{Codes: map[string]uint64{}, Errors: ErrorSet{}}
}

// Summarize builds the JSON summary from the run's histograms and counts:
// began is when the attack started, sending how long it sent, missed the
// slots due but never sent. Percentiles come from the histograms, never
// from averaging.
func Summarize(s Series, c Counts, began time.Time, sending time.Duration, missed uint64) Summary {
	sum := summarize(c, began, sending, missed)
	sum.Latency, sum.ServiceLatency, sum.DispatchLag = LatencyOf(s.Latency), LatencyOf(s.Service), LagOf(s.Lag)
	return sum
}

// SummarizeGroup is Summarize for one group's sparse histograms.
func SummarizeGroup(s SparseSeries, c Counts, began time.Time, sending time.Duration) Summary {
	sum := summarize(c, began, sending, 0)
	if s.Latency != nil {
		sum.Latency, sum.ServiceLatency, sum.DispatchLag = latencyOf(s.Latency), latencyOf(s.Service), lagOf(s.Lag)
	}
	return sum
}

// distribution is what a summary reads from a histogram, dense
// (hdr.Histogram) or sparse (hdr.PackedHistogram).
type distribution interface {
	TotalCount() int64
	Min() int64
	Max() int64
	Mean() float64
	ValueAtPercentile(p float64) int64
	ValueAtPercentilesSlice(ps []float64) []int64
}

// summarize fills everything but the latencies.
func summarize(c Counts, began time.Time, sending time.Duration, missed uint64) Summary {
	sum := Summary{
		Requests:    c.Requests,
		Missed:      missed,
		Duration:    sending,
		StatusCodes: c.Codes,
		Errors:      c.Errors.List(),
		BytesIn:     c.BytesIn,
		BytesOut:    c.BytesOut,
	}
	if c.Requests > 0 {
		sum.SuccessRatio = float64(c.Success) / float64(c.Requests)
	}
	if sending > 0 {
		sum.Rate = float64(c.Requests) / sending.Seconds()
	}
	if !c.LastEnd.IsZero() {
		if w := c.LastEnd.Sub(began.Add(sending)); w > 0 {
			sum.Wait = w
		}
		if span := c.LastEnd.Sub(began); span > 0 {
			sum.Throughput = float64(c.Success) / span.Seconds()
		}
	}
	return sum
}

// LatencyOf summarises a latency histogram (zero when it is empty).
func LatencyOf(h *hdr.Histogram) Latency {
	if h == nil {
		return Latency{}
	}
	return latencyOf(h)
}

func latencyOf(h distribution) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 95, 99, 99.9, 99.99})
	return Latency{
		Min:   time.Duration(h.Min()),
		Mean:  time.Duration(h.Mean()),
		P50:   time.Duration(v[0]),
		P90:   time.Duration(v[1]),
		P95:   time.Duration(v[2]),
		P99:   time.Duration(v[3]),
		P999:  time.Duration(v[4]),
		P9999: time.Duration(v[5]),
		Max:   time.Duration(h.Max()),
	}
}

// LagOf summarises a dispatch-lag histogram (zero when it is empty).
func LagOf(h *hdr.Histogram) Lag {
	if h == nil {
		return Lag{}
	}
	return lagOf(h)
}

func lagOf(h distribution) Lag {
	if h.TotalCount() == 0 {
		return Lag{}
	}
	return Lag{
		P50: time.Duration(h.ValueAtPercentile(50)),
		P99: time.Duration(h.ValueAtPercentile(99)),
		Max: time.Duration(h.Max()),
	}
}
