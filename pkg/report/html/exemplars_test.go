package html_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/internal/testparallel"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

const tempoLink = "https://tempo.example/trace/{trace_id}"

// evil is what a hostile target or a careless user could put into an
// exemplar: markup in the URL and in the error text.
const evil = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`

// TestMain removes the shared fixtures and closes the shared browser after
// the tests. It runs more parallel tests than there are cores: the browser
// tests wait their turn for the one tab (oneTab) and the others are short,
// so the browser's start overlaps the
// rest. An explicit -parallel on the command line still wins.
func TestMain(m *testing.M) {
	testparallel.PerCore(4)
	code := m.Run()
	closeBrowser()
	if sharedReport.root != "" {
		os.RemoveAll(sharedReport.root)
	}
	os.Exit(code)
}

// tracedFixture is a copy of the golden traced run (a real traced attack
// on the demo target, with a trace link: internal/goldenrecords); with
// hostile, its slowest exemplar is rewritten to carry markup.
func tracedFixture(t *testing.T, hostile bool) string {
	t.Helper()
	dir := goldenrecords.Copy(t, "traced")
	if !hostile {
		return dir
	}
	list, err := runrecord.ReadExemplars(dir)
	if err != nil || len(list) == 0 {
		t.Fatalf("exemplars: %v, %v", len(list), err)
	}
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	slowest := run.Summary.Exemplars[0]
	for i := range list {
		if list[i].Seq == slowest.Seq {
			list[i].Target = "GET http://127.0.0.1/?q=" + evil
			list[i].Error, list[i].Status = "read: "+evil, 0
			run.Summary.Exemplars[0] = list[i]
		}
	}
	var buf bytes.Buffer
	ew, err := runrecord.NewExemplarWriter(&buf, run.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if err := ew.Write(list); err != nil {
		t.Fatal(err)
	}
	if err := runrecord.WriteFile(filepath.Join(dir, runrecord.ExemplarsFile), buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := runrecord.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	testrecords.Reseal(t, dir) // the edited exemplars are the run's
	return dir
}

// The page marks every kept exemplar on the latency chart and lists the
// run's slowest with links to their traces; hostile strings stay text.
func TestHTMLReportExemplars(t *testing.T) {
	t.Parallel()
	dir := tracedFixture(t, true)
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, rep)
	if strings.Contains(page, evil) || strings.Contains(page, "<img src=x") {
		t.Error("a target-supplied string reached the page unescaped")
	}
	m := regexp.MustCompile(`const LOADGEN = (.*);</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data")
	}
	var data struct {
		Exemplars []struct {
			X, Y           float64
			Trace, Outcome string
			Target         string
		} `json:"exemplars"`
		TraceLink string `json:"trace_link"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Exemplars) != len(rep.Exemplars) || len(data.Exemplars) == 0 {
		t.Errorf("%d markers, %d exemplars kept", len(data.Exemplars), len(rep.Exemplars))
	}
	if data.TraceLink != tempoLink {
		t.Errorf("trace link %q", data.TraceLink)
	}
	section := page[strings.Index(page, `<section id="exemplars">`):]
	section = section[:strings.Index(section, "</section>")]
	rows := strings.Count(section, "<tr><td>")
	if want := len(rep.Summary.Exemplars); rows != want || want != runrecord.DefaultExemplars {
		t.Errorf("%d rows in the slowest-requests table, want %d", rows, want)
	}
	for _, e := range rep.Summary.Exemplars {
		href := `href="https://tempo.example/trace/` + e.TraceID + `"`
		if !strings.Contains(page, href) {
			t.Errorf("no link %s", href)
		}
	}
}

// A run with more exemplars than the chart's maxMarkers (1500) shows only
// each interval's slowest, and says so.
func TestHTMLReportThinsMarkers(t *testing.T) {
	t.Parallel()
	// 16 intervals keeping the most exemplars a run may (-exemplars 100)
	// hold 1600: past maxMarkers in a record that costs little to write
	// (each interval costs an hlog entry; 320 intervals of the default 5
	// took half a minute under -race).
	const secs = 16
	dir := filepath.Join(t.TempDir(), "long")
	testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: secs, PerSec: 2 * runrecord.MaxExemplars,
		Exemplars: runrecord.MaxExemplars, Latency: time.Millisecond, CPU: 10, Seed: 4})
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Exemplars) != secs*runrecord.MaxExemplars {
		t.Fatalf("%d exemplars kept", len(rep.Exemplars))
	}
	page := render(t, rep)
	m := regexp.MustCompile(`const LOADGEN = (.*);</script>`).FindStringSubmatch(page)
	var data struct {
		Exemplars []json.RawMessage `json:"exemplars"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Exemplars) != secs || !strings.Contains(page, "only the slowest of each") {
		t.Errorf("%d markers for %d intervals", len(data.Exemplars), secs)
	}
}

// A bad trace link in a record (a javascript: URL) never becomes a link.
func TestHTMLReportRefusesBadTraceLink(t *testing.T) {
	t.Parallel()
	dir := tracedFixture(t, false)
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep.TraceLink = "javascript:alert('{trace_id}')"
	page := render(t, rep)
	if strings.Contains(page, "javascript:alert") {
		t.Error("a javascript: trace link reached the page")
	}
	if !strings.Contains(page, `class="copy" data-trace="`+rep.Summary.Exemplars[0].TraceID) {
		t.Error("without a usable link, a copy button is offered")
	}
}

// Every exemplar marker lies on the time axis, those of the first interval
// too: the axis starts at the first interval's end, and the run's slowest
// request, often among the first, was left off the chart (the browser
// test's hover found it 100 px left of the plot on a busy box).
func TestMarkersOnTheTimeAxis(t *testing.T) {
	t.Parallel()
	dir := tracedFixture(t, false)
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, rep)
	m := regexp.MustCompile(`const LOADGEN = (.*);</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data in the page")
	}
	var data struct {
		XMin, XMax float64
		Exemplars  []struct{ X float64 }
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	first := rep.Intervals[0].EndMs
	inFirst := 0
	for _, e := range data.Exemplars {
		if e.X < data.XMin || e.X > data.XMax {
			t.Errorf("marker at %.3f, off the axis [%.3f, %.3f]", e.X, data.XMin, data.XMax)
		}
		if e.X*1000 < float64(first) {
			inFirst++
		}
	}
	if len(data.Exemplars) == 0 || inFirst == 0 {
		t.Fatalf("%d markers, %d in the first interval: the fixture does not test the first interval", len(data.Exemplars), inFirst)
	}
}
