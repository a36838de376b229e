package html

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// spectrumMaxNines is how far out the percentile spectrum goes: 99.999 %.
const spectrumMaxNines = 5

// spectrumPercentiles are the percentiles of an HdrHistogram percentile
// distribution as its reference tools print them: ticksPerHalf steps in
// every halving of the remaining distance to 100 %, so the tail gets as
// much room as the body on a 1/(1-p) axis. They stop at 99.999 %.
func spectrumPercentiles(ticksPerHalf int) []float64 {
	limit := 100 * (1 - math.Pow(10, -spectrumMaxNines))
	var out []float64
	for i := 0; ; i++ {
		p := 100 * (1 - math.Pow(0.5, float64(i)/float64(ticksPerHalf)))
		if p > limit {
			break
		}
		out = append(out, p)
	}
	return append(out, limit)
}

// spectrum is one histogram's latency (ms) at each percentile, and the
// percentiles as 1/(1-p) for a logarithmic x axis. Empty histograms give nil.
type spectrum struct {
	X          []float64 `json:"x"`           // 1/(1-p/100)
	Percent    []float64 `json:"percent"`     // p
	Latency    []float64 `json:"latency"`     // intended-time latency, ms
	Service    []float64 `json:"service"`     // service latency, ms
	LatencyMax float64   `json:"latency_max"` // ms
	ServiceMax float64   `json:"service_max"` // ms
}

func newSpectrum(lat, svc *hdr.Histogram) *spectrum {
	if lat == nil || lat.TotalCount() == 0 {
		return nil
	}
	ps := spectrumPercentiles(5)
	s := &spectrum{Percent: ps}
	lv := lat.ValueAtPercentilesSlice(ps)
	var sv []int64
	if svc != nil && svc.TotalCount() > 0 {
		sv = svc.ValueAtPercentilesSlice(ps)
		s.ServiceMax = ms(svc.Max())
	}
	for i, p := range ps {
		s.X = append(s.X, 100/(100-p))
		s.Latency = append(s.Latency, ms(lv[i]))
		if sv != nil {
			s.Service = append(s.Service, ms(sv[i]))
		}
	}
	s.LatencyMax = ms(lat.Max())
	return s
}

func ms[T ~int64](ns T) float64 { return float64(ns) / 1e6 }
