package html_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// htmlFixture is a copy of a golden record of one real run with the
// target's CPU profile and timeline.
// renderDir loads the run record in dir and renders its HTML report.
func renderDir(t *testing.T, dir string) string {
	t.Helper()
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return render(t, rep)
}

// render renders a loaded report's HTML page.
func render(t *testing.T, rep *report.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := html.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func htmlFixture(t *testing.T) string {
	t.Helper()
	return goldenrecords.Copy(t, "collect-new")
}

// sharedReport is the run page of collect-new as a user most often sees
// it, with a saturated generator's warning and the collector's own
// allocations in its profile, rendered once per test binary (each render
// runs pprof, seconds under -race) for the tests that only read it.
var sharedReport = struct {
	once            sync.Once
	root, dir, page string
	err             error
}{}

// reportPage returns sharedReport's record and page; tests must not
// change them.
func reportPage(t *testing.T) (dir, page string) {
	t.Helper()
	sharedReport.once.Do(func() {
		// Until it is made: a t.Fatal below ends this test, and the others
		// must not read a page that is not there.
		sharedReport.err = errors.New("not made")
		root, err := os.MkdirTemp("", "loadgen-html-report-")
		if err != nil {
			sharedReport.err = err
			return
		}
		sharedReport.root = root
		dir := filepath.Join(root, "collect-new")
		if err := os.CopyFS(dir, os.DirFS(goldenrecords.Dir("collect-new"))); err != nil {
			sharedReport.err = err
			return
		}
		run, err := runrecord.Read(dir)
		if err != nil {
			sharedReport.err = err
			return
		}
		run.Summary.Generator.Warnings = []string{"loadgen used 190% CPU of the 2 cores it may use: the generator is saturated"}
		run.Summary.Generator.Bottleneck = true
		if err := runrecord.Write(dir, run); err != nil {
			sharedReport.err = err
			return
		}
		allocsWithCollector(t, dir)
		sharedReport.dir = dir
		sharedReport.page, sharedReport.err = html.WriteRecord(dir)
	})
	if sharedReport.err != nil {
		t.Fatalf("the shared report page: %v", sharedReport.err)
	}
	return sharedReport.dir, sharedReport.page
}

func TestHTMLReportStructure(t *testing.T) {
	t.Parallel()
	dir, path := reportPage(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{
		`id="summary"`, `id="chart-latency"`, `id="chart-rate"`, `id="chart-cpu"`, `id="chart-gc"`,
		`id="chart-spectrum"`, `id="flamegraph"`, `id="top-cpu"`,
		"Latency (intended time)", "Service (actual send)", "Target", "GC pauses",
		"demotarget.Fib", // the CPU profile's hot function, in pprof's top table
		"/fib?n=30",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
			if i := strings.Index(page, `id="top-cpu"`); i >= 0 {
				t.Logf("top: %s", page[i:min(len(page), i+3000)])
			}
		}
	}
	// Self-contained: nothing is loaded from the network.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script[^>]+src=`),
		regexp.MustCompile(`<link[^>]+href=`),
		regexp.MustCompile(`@import`),
		regexp.MustCompile(`url\(\s*['"]?https?:`),
	} {
		if loc := bad.FindStringIndex(page); loc != nil {
			t.Errorf("report loads a remote resource: %q", page[loc[0]:min(len(page), loc[1]+60)])
		}
	}
	// The chart data is valid JSON with one point per latency interval.
	m := regexp.MustCompile(`const LOADGEN = (.*);</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data in the page")
	}
	var data struct {
		Time   []float64  `json:"time"`
		P99    []*float64 `json:"p99"`
		Target *struct {
			CPU []*float64 `json:"cpu"`
		} `json:"target"`
		Spectrum *struct {
			Percent []float64 `json:"percent"`
		} `json:"spectrum"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	rows, err := runrecord.ReadIntervals(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Time) != len(rows) || len(data.P99) != len(rows) {
		t.Errorf("chart has %d/%d points, the run %d intervals", len(data.Time), len(data.P99), len(rows))
	}
	if data.Target == nil || len(data.Target.CPU) == 0 {
		t.Error("no target series in the chart data")
	}
	if data.Spectrum == nil || data.Spectrum.Percent[len(data.Spectrum.Percent)-1] < 99.999-1e-9 {
		t.Error("percentile spectrum does not reach 99.999%")
	}
}

// Strings that came from the user or the target are escaped: a target URL
// and an error message that carry markup end up as text.
func TestHTMLReportEscapes(t *testing.T) {
	t.Parallel()
	dir := htmlFixture(t)
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	run.Name = evil
	run.Plan.Targets[0].URL = "http://127.0.0.1/?q=" + evil
	run.Plan.Targets[0].Method = evil
	run.Summary.Errors = append(run.Summary.Errors, runrecord.ErrorCount{Message: "read: " + evil, Count: 3})
	run.Summary.Requests += 3
	run.Summary.StatusCodes["0"] += 3
	if err := runrecord.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	page := renderDir(t, dir)
	if strings.Contains(page, evil) || strings.Contains(page, `<img src=x`) {
		t.Error("a user- or target-supplied string reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("the escaped form of the run name is missing")
	}
}

// A corrupt profile costs the report its flame graph, not the report.
func TestHTMLReportCorruptProfile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: 5, PerSec: 20, Latency: time.Millisecond, CPU: 10, Seed: 3})
	if err := os.MkdirAll(filepath.Join(dir, runrecord.ProfilesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileCPU), []byte("not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	testrecords.Reseal(t, dir) // corrupt, but the run's own
	path, err := html.WriteRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"The CPU profile could not be rendered", `id="chart-latency"`, `id="chart-cpu"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// The generator's own figures, ceilings included, reach the page and the
// text summary, with its warnings; and a run whose targets were read as it
// went (-lazy) says so on the page, and why it ended, as the text summary
// does. (One record for both: each render of it costs a pprof run.)
func TestGeneratorAndTargetStreamReported(t *testing.T) {
	t.Parallel()
	dir := htmlFixture(t)
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	run.Summary.Generator = &runrecord.Generator{
		Client: "fast", Pacing: "precise", Cores: 2, CPUPercent: 12.5, CPUPerRequest: 41 * time.Microsecond,
		MaxRSSBytes: 30 << 20, Workers: 37, MaxWorkers: 1024, Connections: 36, PeakInFlight: 35,
		PeakWaiting: 812, Dropped: 7, Goroutines: 61,
		Warnings: []string{"7 of the missed slots waited too long"},
	}
	run.Summary.Stream = &runrecord.TargetStream{Source: "stdin", Read: 1234, Late: 5, Ended: runrecord.StreamEnded}
	if err := runrecord.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var page, textOut bytes.Buffer
	if err := html.Write(&page, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"precise pacing", "workers 37 of at most 1024", "peak in flight 35, connections 36, slots waiting for a worker 812", "dropped after waiting too long 7", "peak goroutines 61", "Generator: 7 of the missed slots waited too long",
		"Targets read as the attack went (-lazy): 1234 from stdin, 5 due before they were read; the targets ran out, which ended the attack early."} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if err := text.Write(&textOut, rep.Summary); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Generator +\[workers \(max\), peak in flight, connections, waiting\] +37 \(1024\), 35, 36, 812`).MatchString(textOut.String()) {
		t.Errorf("text summary lacks the generator's peaks:\n%s", textOut.String())
	}
	if !regexp.MustCompile(`Ended +\[early\] +the targets ran out after 1234`).MatchString(textOut.String()) {
		t.Errorf("text summary lacks how the stream ended:\n%s", textOut.String())
	}
}
