package report

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Histogram bounds: nanoseconds, 1 µs resolution floor, 3 significant figures.
const (
	lowest  = int64(time.Microsecond)
	sigFigs = 3
)

// series holds one histogram per latency series.
type series struct {
	lat, svc, lag *hdr.Histogram
}

func newSeries(highest int64) series {
	return series{
		lat: hdr.New(lowest, highest, sigFigs),
		svc: hdr.New(lowest, highest, sigFigs),
		lag: hdr.New(lowest, highest, sigFigs),
	}
}

func (s series) byTag(tag string) *hdr.Histogram {
	switch tag {
	case runrecord.TagService:
		return s.svc
	case runrecord.TagLag:
		return s.lag
	case runrecord.TagLatency:
		return s.lat
	}
	return nil
}

func (s series) reset() {
	s.lat.Reset()
	s.svc.Reset()
	s.lag.Reset()
}

// record clamps v into [0, highest] so a value is never dropped.
func record(h *hdr.Histogram, v time.Duration) {
	n := int64(v)
	if n < 0 {
		n = 0
	}
	if hi := h.HighestTrackableValue(); n > hi {
		n = hi
	}
	_ = h.RecordValue(n) // cannot fail inside the range
}

func latencyOf(h *hdr.Histogram) runrecord.Latency {
	if h.TotalCount() == 0 {
		return runrecord.Latency{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 95, 99, 99.9, 99.99})
	return runrecord.Latency{
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

func lagOf(h *hdr.Histogram) runrecord.Lag {
	if h.TotalCount() == 0 {
		return runrecord.Lag{}
	}
	return runrecord.Lag{
		P50: time.Duration(h.ValueAtPercentile(50)),
		P99: time.Duration(h.ValueAtPercentile(99)),
		Max: time.Duration(h.Max()),
	}
}
