package html

import (
	"sort"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// groupRow is one row of the page's table of endpoint groups.
type groupRow struct {
	Index                                int // in the chart data's groups
	Name, Scenario                       string
	Requests                             uint64
	Rate, ErrorRate                      float64
	P50, P90, P99, P999, Max, ServiceP99 time.Duration
	TopError                             string
}

// groupRows are the run's groups, slowest p99 first (the table sorts
// itself again in the browser).
func groupRows(s runrecord.Summary) []groupRow {
	if len(s.Groups) < 2 {
		return nil
	}
	rows := make([]groupRow, len(s.Groups))
	for i, g := range s.Groups {
		r := groupRow{Index: i, Name: g.Name, Scenario: g.Scenario, Requests: g.Requests, Rate: g.Rate,
			P50: g.Latency.P50, P90: g.Latency.P90, P99: g.Latency.P99, P999: g.Latency.P999, Max: g.Latency.Max,
			ServiceP99: g.ServiceLatency.P99}
		if g.Requests > 0 {
			r.ErrorRate = 1 - g.SuccessRatio
		}
		if len(g.Errors) > 0 {
			r.TopError = g.Errors[0].Message
		}
		rows[i] = r
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].P99 > rows[j].P99 })
	return rows
}

// foldingNote says how targets were folded into groups ("" when not).
func foldingNote(s runrecord.Summary) string {
	if s.GroupFolding == nil {
		return ""
	}
	return "Endpoint groups: " + text.Folding(s.GroupFolding) + "."
}

// groupSeries is one endpoint group's latency timeline for the latency
// chart's group switch, on the run's time axis (null where the group had
// no response in an interval).
type groupSeries struct {
	Name   string     `json:"name"`
	P50    []*float64 `json:"p50"`
	P90    []*float64 `json:"p90"`
	P99    []*float64 `json:"p99"`
	Max    []*float64 `json:"max"`
	Rate   []float64  `json:"rate"`
	Errors []float64  `json:"errors"`
}

// newGroupSeries lays each group's points on the run's intervals.
func newGroupSeries(rep *report.Report, pts []report.GroupPoints) []groupSeries {
	at := make(map[int64]int, len(rep.Intervals))
	for i, p := range rep.Intervals {
		at[p.StartMs] = i
	}
	n := len(rep.Intervals)
	out := make([]groupSeries, 0, len(pts))
	for _, g := range pts {
		s := groupSeries{Name: g.Name, P50: make([]*float64, n), P90: make([]*float64, n), P99: make([]*float64, n),
			Max: make([]*float64, n), Rate: make([]float64, n), Errors: make([]float64, n)}
		for _, p := range g.Intervals {
			i, ok := at[p.StartMs]
			if !ok || p.Count == 0 {
				continue
			}
			secs := float64(p.EndMs-p.StartMs) / 1000
			if secs <= 0 {
				secs = 1
			}
			s.P50[i], s.P90[i], s.P99[i], s.Max[i] = opt(ms(p.P50), true), opt(ms(p.P90), true), opt(ms(p.P99), true), opt(ms(p.Max), true)
			s.Rate[i] = float64(p.Count) / secs
			s.Errors[i] = float64(p.Errors) / secs
		}
		out = append(out, s)
	}
	return out
}
