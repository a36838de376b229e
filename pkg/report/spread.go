package report

import (
	"math"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Spread is how much one figure of a run moved from interval to interval:
// the robust σ of its per-interval values (1.4826 × their median absolute
// deviation) and how many values there were. It is what Compare's noise
// bands are made of, kept so that a run history can apply the same rule.
type Spread struct {
	Sigma float64 `json:"sigma"`
	N     int     `json:"n"`
}

// SpreadOf measures the spread of per-interval values.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	return Spread{Sigma: robustSigma(xs), N: len(xs)}
}

// Spreads returns the spread of every compared metric of a run that has
// per-interval values, by metric name (Metric.Name: latency.p99,
// throughput, target.cpu_percent.mean, ...). tl is the run's target
// timeline (LoadTimeline), nil when none was collected.
func Spreads(r *Report, tl []runrecord.TargetSample) map[string]Spread {
	out := map[string]Spread{}
	for _, d := range metricDefs() {
		if d.spread == nil {
			continue
		}
		if v := d.spread(r, tl); len(v) > 0 {
			out[d.name] = SpreadOf(v)
		}
	}
	return out
}

// Extreme reports whether a compared metric is set by a few intervals (a
// maximum, a far tail) rather than by all of them; see NoiseBand.
func Extreme(name string) bool {
	for _, d := range metricDefs() {
		if d.name == name {
			return d.extreme
		}
	}
	return false
}

// NoiseBand is Compare's noise rule (see noiseBand) for a figure measured
// with spread base on one side and next on the other: the half-width of
// the band inside which a difference is noise, before the 1 % floor. ok is
// false when a side has fewer than 3 values (no band).
func NoiseBand(base, next Spread, extreme bool) (band float64, ok bool) {
	if base.N < minSpread || next.N < minSpread {
		return 0, false
	}
	sb, sn := base.Sigma, next.Sigma
	if extreme {
		return 2 * math.Sqrt((sb*sb+sn*sn)/2), true
	}
	return 2 * math.Sqrt(sb*sb/float64(base.N)+sn*sn/float64(next.N)), true
}
