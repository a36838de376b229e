// Package historyhtml renders the run history as one self-contained HTML
// page: for each name, each trended metric plotted over its runs (uPlot,
// inlined as in loadgen's run reports), the runs where its level shifted
// marked, and every point linked to its run's report.html.
//
//	runs, _ := db.List(ctx, history.Filter{Name: "checkout"})
//	historyhtml.Write(w, history.Trends(runs, history.TrendOptions{}), historyhtml.Options{X: "git"})
package historyhtml

import (
	_ "embed" // the page template and script
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"time"

	"github.com/loadgen/loadgen/pkg/changepoint"
	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historytext"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

//go:embed assets/history.html.tmpl
var pageTmpl string

//go:embed assets/history.js
var historyJS string

// Options tune the page.
type Options struct {
	Title string
	// X is the x axis: "time" (default: when each run started) or a label
	// key, such as git, whose value names each run.
	X string
	// LinkBase, when set, is the directory the page will be saved in:
	// links to run reports are made relative to it. By default they are
	// absolute file:// URLs.
	LinkBase string
	// Now stamps the page (default time.Now).
	Now time.Time
}

type page struct {
	html.Assets
	Title, XLabel, Made string
	Groups              []group
	Data                template.JS
	JS                  template.JS
}

type group struct {
	Name   string
	Runs   int
	Need   int
	Shifts []shiftLine
	Charts []chart
	Rows   []row
}

type shiftLine struct{ Class, Text, Link string }

type row struct{ Start, Labels, P99, Throughput, Link string }

// chart is one metric's data for history.js.
type chart struct {
	ID     string       `json:"id"`
	Label  string       `json:"label"`
	Unit   string       `json:"unit"`
	X      []string     `json:"x"`
	Y      []float64    `json:"y"`
	Links  []string     `json:"links"`
	Shifts []shiftChart `json:"shifts"`
}

type shiftChart struct {
	Index int    `json:"index"`
	Class string `json:"class"`
}

// Write renders the page for trends (from history.Trends).
func Write(w io.Writer, trends []history.Trend, o Options) error {
	if o.X == "" {
		o.X = "time"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Title == "" {
		o.Title = "loadgen run history"
	}
	p := page{Assets: html.SharedAssets(), Title: o.Title, XLabel: o.X, Made: o.Now.UTC().Format("2006-01-02 15:04 MST"), JS: template.JS(historyJS)}
	if o.X != "time" {
		p.XLabel = "label " + o.X
	}
	byName := map[string][]history.Trend{}
	var names []string
	for _, t := range trends {
		if _, ok := byName[t.Group()]; !ok {
			names = append(names, t.Group())
		}
		byName[t.Group()] = append(byName[t.Group()], t)
	}
	sort.Strings(names)
	var all []chart
	for gi, n := range names {
		g := group{Name: n}
		runs := map[string]history.Point{}
		var order []history.Point
		for ci, t := range byName[n] {
			c := chart{ID: fmt.Sprintf("c%d-%d", gi, ci), Label: t.Metric.Label, Unit: t.Metric.Unit, Shifts: []shiftChart{}}
			for _, pt := range t.Points {
				c.X = append(c.X, xLabel(pt, o.X))
				c.Y = append(c.Y, pt.V)
				c.Links = append(c.Links, link(pt.Path, o.LinkBase))
				if _, ok := runs[pt.RunID]; !ok {
					runs[pt.RunID] = pt
					order = append(order, pt)
				}
			}
			for _, s := range t.Shifts {
				cls := class(s.Verdict)
				c.Shifts = append(c.Shifts, shiftChart{Index: s.Index, Class: cls})
				g.Shifts = append(g.Shifts, shiftLine{Class: cls, Text: historytext.Shift(t, s), Link: link(t.Points[s.Index].Path, o.LinkBase)})
			}
			g.Charts = append(g.Charts, c)
			all = append(all, c)
		}
		sort.SliceStable(order, func(i, j int) bool { return order[i].Start.Before(order[j].Start) })
		g.Runs = len(order)
		if g.Runs < 2*changepoint.DefaultMinSize {
			g.Need = changepoint.DefaultMinSize
		}
		for _, pt := range order {
			g.Rows = append(g.Rows, rowOf(pt, byName[n], o.LinkBase))
		}
		p.Groups = append(p.Groups, g)
	}
	data, err := json.Marshal(struct {
		Charts []chart `json:"charts"`
	}{all})
	if err != nil {
		return err
	}
	// JSON inside a script element: html/template would escape it as a
	// string; encoding/json already escapes <, > and &.
	p.Data = template.JS(data)
	t, err := template.New("history").Parse(pageTmpl)
	if err != nil {
		return fmt.Errorf("history page template: %w", err)
	}
	return t.Execute(w, p)
}

func xLabel(p history.Point, x string) string {
	if x == "time" {
		return p.Start.UTC().Format("01-02 15:04")
	}
	if v, ok := p.Labels[x]; ok {
		return v
	}
	return "?"
}

func class(verdict string) string {
	switch verdict {
	case report.VerdictWorse:
		return "worse"
	case report.VerdictBetter:
		return "better"
	case report.VerdictNoise:
		return "noise"
	}
	return "shift"
}

// link is the run's report.html, relative to base or as a file:// URL.
func link(dir, base string) string {
	target := filepath.Join(dir, runrecord.ReportFile)
	if base != "" {
		if abs, err := filepath.Abs(base); err == nil {
			if rel, err := filepath.Rel(abs, target); err == nil {
				return filepath.ToSlash(rel)
			}
		}
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(target)}).String()
}

// rowOf is the runs table row of a point, with p99 and throughput taken
// from the trends that have them.
func rowOf(pt history.Point, trends []history.Trend, base string) row {
	r := row{Start: pt.Start.UTC().Format("2006-01-02 15:04:05"), Labels: historytext.Labels(pt.Labels), P99: "-", Throughput: "-", Link: link(pt.Path, base)}
	for _, t := range trends {
		for _, q := range t.Points {
			if q.RunID != pt.RunID {
				continue
			}
			v := q.V
			switch t.Metric.Name {
			case "latency.p99":
				r.P99 = text.Value(t.Metric.Unit, &v)
			case "throughput":
				r.Throughput = text.Value(t.Metric.Unit, &v)
			}
		}
	}
	return r
}
