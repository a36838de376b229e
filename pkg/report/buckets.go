package report

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Buckets counts a latency histogram into the buckets that bounds start
// (ascending; the last is open-ended), as `vegeta report -type hist[...]`
// does: bucket i holds bounds[i] <= latency < bounds[i+1]. A value is
// placed by its HdrHistogram bucket, so a bound splits values to within
// the histogram's precision (3 significant figures).
func Buckets(h *hdr.Histogram, bounds []time.Duration) []uint64 {
	counts := make([]uint64, len(bounds))
	if h == nil || len(bounds) == 0 {
		return counts
	}
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := time.Duration(bar.From)
		i := len(bounds) - 1
		for i > 0 && v < bounds[i] {
			i--
		}
		if v >= bounds[0] {
			counts[i] += uint64(bar.Count)
		}
	}
	return counts
}
