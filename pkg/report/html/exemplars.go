package html

import (
	"slices"
	"strconv"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// maxMarkers bounds the exemplars drawn on the latency chart, so a long
// run's page stays small: past it, only each interval's slowest is drawn,
// and past that again the slowest of the run.
const maxMarkers = 1500

// marker is one exemplar on the latency chart. Every string in it may come
// from the target (error text) or the user (URL): the page embeds it as
// JSON through html/template and the script shows it with textContent.
type marker struct {
	X       float64 `json:"x"` // when the response ended, Unix seconds
	Y       float64 `json:"y"` // latency, ms
	Due     string  `json:"due"`
	Latency string  `json:"latency"`
	Service string  `json:"service"`
	Lag     string  `json:"lag"`
	Outcome string  `json:"outcome"`
	Target  string  `json:"target"`
	Group   string  `json:"group,omitempty"` // its endpoint group, when the run had several
	Trace   string  `json:"trace,omitempty"`
	Sampled bool    `json:"sampled,omitempty"`
}

// exemplarMarkers are the chart's markers, and whether some were left out.
func exemplarMarkers(list []runrecord.Exemplar) ([]marker, bool) {
	thinned := false
	if len(list) > maxMarkers {
		thinned = true
		var firsts []runrecord.Exemplar
		for i, e := range list { // by interval, slowest first
			if i == 0 || e.IntervalMs != list[i-1].IntervalMs {
				firsts = append(firsts, e)
			}
		}
		if len(firsts) > maxMarkers {
			firsts = runrecord.TopExemplars(firsts, maxMarkers)
			slices.SortFunc(firsts, func(a, b runrecord.Exemplar) int { return a.End().Compare(b.End()) })
		}
		list = firsts
	}
	out := make([]marker, 0, len(list))
	for _, e := range list {
		m := marker{
			X:       float64(e.End().UnixMicro()) / 1e6,
			Y:       ms(e.Latency),
			Due:     e.Intended.UTC().Format("2006-01-02 15:04:05.000"),
			Latency: text.Round(e.Latency).String(),
			Service: text.Round(e.ServiceLatency).String(),
			Lag:     text.Round(e.DispatchLag).String(),
			Outcome: outcome(e),
			Target:  e.Target,
			Group:   e.Group,
			Trace:   e.TraceID,
			Sampled: e.Sampled == nil || *e.Sampled,
		}
		out = append(out, m)
	}
	return out, thinned
}

// outcome is the status code, or the grouped error when there is one.
func outcome(e runrecord.Exemplar) string {
	if e.Error != "" {
		return e.Error
	}
	if e.Status == 0 {
		return "no response"
	}
	return strconv.Itoa(e.Status)
}

// exemplarRow is one row of the slowest-requests table.
type exemplarRow struct {
	runrecord.Exemplar
	Outcome  string
	TraceURL string // the trace viewer's page for it ("" without -trace-link)
}

func exemplarRows(rep *report.Report) []exemplarRow {
	var rows []exemplarRow
	for _, e := range rep.Summary.Exemplars {
		rows = append(rows, exemplarRow{Exemplar: e, Outcome: outcome(e), TraceURL: report.TraceURL(rep.TraceLink, e.TraceID)})
	}
	return rows
}
