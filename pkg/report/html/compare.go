package html

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
	"github.com/loadgen/loadgen/pkg/report/text"
)

// comparePage is what compare.html.tmpl renders.
type comparePage struct {
	pageAssets
	Base, New string
	Metrics   []report.Metric
	Groups    []report.GroupComparison
	Functions []report.FunctionShare
	DiffFlame string // pprof's flame graph page of new minus base
	// ProfileNote says why there is no diff flame graph.
	ProfileNote string
	Charts      compareCharts
	Made        time.Time
}

// compareCharts is the two runs' percentile spectra, on the same percentiles.
type compareCharts struct {
	Spectrum *compareSpectrum `json:"spectrum"`
}

type compareSpectrum struct {
	X    []float64 `json:"x"`
	Base []float64 `json:"base"` // intended-time latency, ms
	New  []float64 `json:"new"`
}

// WriteCompare writes the comparison as a self-contained page: the
// table, both latency spectra on one chart, the functions whose CPU share
// changed, and pprof's diff flame graph (new with base as -diff_base).
func WriteCompare(w io.Writer, c *report.Comparison) error {
	t, err := pages()
	if err != nil {
		return err
	}
	page := comparePage{
		pageAssets: inlined(),
		Base:       text.Side(c.BaseDirs, c.Base),
		New:        text.Side(c.NewDirs, c.New),
		Metrics:    c.Metrics,
		Groups:     c.Groups,
		Functions:  c.Functions,
		Made:       time.Now().UTC(),
	}
	bs, ns := newSpectrum(c.Base.Latency, nil), newSpectrum(c.New.Latency, nil)
	if bs != nil && ns != nil {
		page.Charts.Spectrum = &compareSpectrum{X: bs.X, Base: bs.Latency, New: ns.Latency}
	}
	// A profile pprof cannot render costs its section, not the page.
	if !c.HasProfiles() {
		page.ProfileNote = text.NoProfileDiff
	} else if page.DiffFlame, err = flame.Embeddable(c.NewCPU, c.BaseCPU, ""); err != nil {
		page.ProfileNote = "The diff flame graph could not be rendered: " + err.Error()
	}
	bw := bufio.NewWriter(w)
	if err := t.ExecuteTemplate(bw, "compare.html.tmpl", page); err != nil {
		return fmt.Errorf("render HTML comparison: %w", err)
	}
	return bw.Flush()
}

func compareFuncs() template.FuncMap {
	return template.FuncMap{
		"value":  text.Value,
		"change": text.Change,
		"ratio":  text.Ratio,
		"noise":  text.Noise,
		"share":  func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
		"pp":     func(a, b float64) string { return fmt.Sprintf("%+.1f pp", (b-a)*100) },
		"vclass": func(v string) string {
			switch v {
			case report.VerdictBetter:
				return "better"
			case report.VerdictWorse:
				return "worse"
			}
			return ""
		},
	}
}
