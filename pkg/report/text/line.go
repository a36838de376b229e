package text

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/report"
)

// MetricLine says a compared metric in one line: its verdict, base -> new,
// the change, the ratio and the noise band.
func MetricLine(m report.Metric) string {
	s := fmt.Sprintf("%s %s: %s -> %s (%s", m.Label, m.Verdict, Value(m.Unit, m.Base), Value(m.Unit, m.New), Change(m.Unit, m.Change))
	if m.Ratio != nil {
		s += ", " + Ratio(m.Ratio)
	}
	if m.Noise != nil {
		s += ", noise " + Noise(m.Unit, m.Noise)
	}
	return s + ")"
}
