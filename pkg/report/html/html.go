package html

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The page templates, loadgen's chart glue and uPlot, the chart library
// (see assets/README.md for versions and licences). Everything is inlined
// into each page so that it opens from disk with no network.
//
//go:embed assets/*.tmpl
var templateFS embed.FS

//go:embed assets/uPlot.iife.min.js
var uPlotJS string

//go:embed assets/uPlot.min.css
var uPlotCSS string

//go:embed assets/report.js
var reportJS string

//go:embed assets/report.css
var reportCSS string

// pages parses the templates once; they are compiled in and never change.
var pages = sync.OnceValues(htmlTemplates)

// htmlTemplates parses the page templates with the helpers they use.
func htmlTemplates() (*template.Template, error) {
	t := template.New("pages").Funcs(template.FuncMap{
		"dur":    func(d time.Duration) string { return text.Round(d).String() },
		"pct":    func(f float64) string { return fmt.Sprintf("%.2f%%", f*100) },
		"pct1":   func(f float64) string { return fmt.Sprintf("%.1f%%", f) },
		"bytes":  text.Bytes,
		"ubytes": func(n uint64) string { return text.Bytes(float64(n)) },
		"num":    func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"int":    func(f float64) string { return fmt.Sprintf("%.0f", f) },
		"i2f":    func(n uint64) float64 { return float64(n) },
		"utc":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 MST") },
		"slo":    text.SLOMeasured,

		"profilingOff": text.ProfilingOffNote,
		"exdue":        func(t time.Time) string { return t.UTC().Format("15:04:05.000") },
		"deref":        func(b *bool) bool { return b != nil && *b },
	}).Funcs(compareFuncs())
	t, err := t.ParseFS(templateFS, "assets/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse report templates: %w", err)
	}
	return t, nil
}

// pageAssets are the inlined scripts and styles every page carries. They
// are compiled into the binary, hence trusted by html/template.
type pageAssets struct {
	UPlotJS  template.JS
	UPlotCSS template.CSS
	ReportJS template.JS
	CSS      template.CSS
}

// inlined are the scripts and styles every page carries.
func inlined() pageAssets {
	return pageAssets{
		UPlotJS:  template.JS(uPlotJS),
		UPlotCSS: template.CSS(uPlotCSS),
		ReportJS: template.JS(reportJS),
		CSS:      template.CSS(reportCSS),
	}
}

// htmlPage is what report.html.tmpl renders.
type htmlPage struct {
	pageAssets
	Title    string
	Runs     []runInfo
	Summary  runrecord.Summary
	Diverged bool
	Codes    []codeCount
	Charts   chartData
	// Groups are the endpoint groups (two or more), slowest p99 first;
	// Folding says how targets were folded into them.
	Groups  []groupRow
	Folding string
	CPU     *profileSection
	Allocs  *profileSection
	// Slowest requests of the run, and whether the chart shows only some
	// of the kept exemplars.
	Exemplars      []exemplarRow
	MarkersThinned bool
	ExemplarGroups bool     // the exemplars name their endpoint groups
	Notes          []string // why a part of the page is missing
	Made           time.Time
}

// runInfo describes one run record of the report.
type runInfo struct {
	Dir, Name, Schedule, Host string
	Start                     time.Time
	Duration                  time.Duration
	Targets                   []string
	Shard                     string
	Interrupted               bool
	// Shards of a coordinated run's merged record.
	Shards []runrecord.Shard
}

type codeCount struct {
	Code  string
	Count uint64
	Share float64
}

// profileSection is a flame graph (pprof's own page, inlined through an
// iframe's srcdoc) and pprof's top table.
type profileSection struct {
	Flame string // complete HTML page; escaped into the srcdoc attribute
	Top   string
	// CollectorShare is the share of the profile (0..1) that served the
	// collector's own requests, left out of Top.
	CollectorShare float64
}

// Write writes the self-contained HTML report of rep: summary, latency
// and target timelines on one time axis, the percentile spectrum, status
// codes and errors, and the target's flame graph and top functions when the
// run records hold profiles. Missing parts (no collector, no profiles) are
// said so on the page rather than failing the report.
func Write(w io.Writer, rep *report.Report) error {
	t, err := pages()
	if err != nil {
		return err
	}
	page := htmlPage{
		pageAssets: inlined(),
		Summary:    rep.Summary,
		Diverged:   report.Diverged(rep.Summary),
		Codes:      statusCodes(rep.Summary),
		Made:       time.Now().UTC(),
	}
	page.Runs, page.Title = describeRuns(rep)
	timeline, err := report.LoadTimeline(rep)
	if err != nil {
		return err
	}
	page.Charts = newChartData(rep, timeline)
	page.Charts.Exemplars, page.MarkersThinned = exemplarMarkers(rep.Exemplars)
	page.Charts.spanMarkers()
	if report.CheckTraceLink(rep.TraceLink) == nil {
		page.Charts.TraceLink = rep.TraceLink
	}
	page.Exemplars = exemplarRows(rep)
	page.ExemplarGroups = slices.ContainsFunc(rep.Summary.Exemplars, func(e runrecord.Exemplar) bool { return e.Group != "" })
	page.Groups, page.Folding = groupRows(rep.Summary), foldingNote(rep.Summary)
	if page.Groups != nil {
		// A groups log the page cannot read costs the group switch of the
		// charts, not the report.
		if pts, err := rep.GroupIntervals(); err != nil {
			page.Notes = append(page.Notes, "The endpoint groups' timelines could not be read: "+err.Error())
		} else {
			page.Charts.Groups = newGroupSeries(rep, pts)
		}
	}
	if len(timeline) == 0 {
		page.Notes = append(page.Notes, "No target timeline in the run record (attack without a collector): target CPU, RSS and GC are not shown.")
	}
	// A profile pprof cannot render costs its section, not the report.
	page.CPU, err = profilePart(rep.Dirs, "cpu", "", true, false)
	if err != nil {
		page.Notes = append(page.Notes, "The CPU profile could not be rendered: "+err.Error())
	}
	page.Allocs, err = profilePart(rep.Dirs, "allocs", "alloc_space", false, true)
	if err != nil {
		page.Notes = append(page.Notes, "The allocation profile could not be rendered: "+err.Error())
	}
	bw := bufio.NewWriter(w)
	if err := t.ExecuteTemplate(bw, "report.html.tmpl", page); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	return bw.Flush()
}

// WriteRecord renders the report of one run record into its
// report.html (atomically) and returns the file's path.
func WriteRecord(dir string) (string, error) {
	rep, err := report.Load(dir)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, runrecord.ReportFile)
	f, err := runrecord.CreateAtomic(path)
	if err != nil {
		return "", err
	}
	if err := Write(f, rep); err != nil {
		f.Discard()
		return "", err
	}
	return path, f.Commit()
}

// profilePart renders a profile's top table, and its flame graph when
// withFlame is set; nil when the runs have no such profile.
func profilePart(dirs []string, kind, sampleIndex string, withFlame, ownOnly bool) (*profileSection, error) {
	p, err := report.LoadProfile(kind, dirs...)
	if err != nil || p == nil {
		return nil, err
	}
	sec := &profileSection{}
	top := p
	if ownOnly {
		// The collector's requests (pprof's gzip, Prometheus's gather,
		// expvar) allocate a lot in a quiet target: shown apart, they
		// are not mistaken for the target's work.
		if top, sec.CollectorShare, err = report.WithoutCollector(p, sampleIndex); err != nil {
			return nil, fmt.Errorf("%s profile: %w", kind, err)
		}
	}
	if len(top.Sample) == 0 {
		sec.Top = "(every sampled " + kind + " served the collector's own requests)"
	} else if sec.Top, err = flame.Top(top, 25, sampleIndex); err != nil {
		return nil, fmt.Errorf("%s profile: %w", kind, err)
	}
	if withFlame {
		if sec.Flame, err = flame.Embeddable(p, nil, sampleIndex); err != nil {
			return nil, fmt.Errorf("%s flame graph: %w", kind, err)
		}
	}
	return sec, nil
}

func describeRuns(rep *report.Report) ([]runInfo, string) {
	var out []runInfo
	names := map[string]bool{}
	var title []string
	for i, r := range rep.Runs {
		ri := runInfo{
			Dir:         rep.Dirs[i],
			Name:        r.Name,
			Schedule:    r.Plan.Schedule,
			Host:        r.Host.Hostname,
			Start:       r.Start,
			Duration:    r.Summary.Duration,
			Interrupted: r.Interrupted,
		}
		for _, t := range r.Plan.Targets {
			ri.Targets = append(ri.Targets, t.Method+" "+t.URL)
		}
		if n := r.Plan.TargetsTotal - len(r.Plan.Targets); n > 0 {
			ri.Targets = append(ri.Targets, fmt.Sprintf("... and %d more", n))
		}
		if r.Shard != nil {
			ri.Shard = fmt.Sprintf("%d of %d", r.Shard.Index+1, r.Shard.Count)
		}
		ri.Shards = r.Shards
		out = append(out, ri)
		n := r.Name
		if n == "" {
			n = filepath.Base(rep.Dirs[i])
		}
		if !names[n] {
			names[n] = true
			title = append(title, n)
		}
	}
	return out, strings.Join(title, ", ")
}

func statusCodes(s runrecord.Summary) []codeCount {
	var out []codeCount
	for c, n := range s.StatusCodes {
		cc := codeCount{Code: c, Count: n}
		if s.Requests > 0 {
			cc.Share = float64(n) / float64(s.Requests)
		}
		if c == "0" {
			cc.Code = "0 (no response)"
		}
		out = append(out, cc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
