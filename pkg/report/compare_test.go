package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
)

// Two real attacks of the demo target at the same rate, cheap and
// expensive (golden records): the comparison must see the latency and CPU
// regression and find Fib's share of the CPU grow.
func TestCompareFibRuns(t *testing.T) {
	base, next := goldenrecords.Dir("collect-base"), goldenrecords.Dir("collect-new")
	c, err := report.Compare([]string{base}, []string{next})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]report.Metric{}
	for _, m := range c.Metrics {
		byName[m.Name] = m
	}
	for _, name := range []string{"latency.p50", "latency.p90", "latency.p99", "latency.p999", "latency.max",
		"throughput", "success_ratio", "missed", "target.cpu_percent.mean", "target.rss_bytes.max",
		"target.gc_pause.p99", "target.goroutines.max"} {
		if _, ok := byName[name]; !ok {
			t.Errorf("no metric %s", name)
		}
	}
	// The machine is shared: one percentile may be drowned in scheduling
	// noise, not all three.
	p50 := byName["latency.p50"]
	if p50.Ratio == nil || *p50.Ratio < 1.2 {
		t.Errorf("fib(28) vs fib(12) p50: ratio %v, want > 1.2x", ptr(p50.Ratio))
	}
	if byName["latency.p50"].Verdict != report.VerdictWorse && byName["latency.p90"].Verdict != report.VerdictWorse &&
		byName["latency.p99"].Verdict != report.VerdictWorse {
		t.Errorf("no latency percentile judged worse: %+v", c.Metrics[:3])
	}
	if cpu := byName["target.cpu_percent.mean"]; cpu.Verdict != report.VerdictWorse || *cpu.New <= *cpu.Base {
		t.Errorf("CPU: %v -> %v verdict %q, want higher and worse", ptr(cpu.Base), ptr(cpu.New), cpu.Verdict)
	}
	if sr := byName["success_ratio"]; sr.Verdict != report.VerdictSame {
		t.Errorf("success ratio verdict %q, want same (both 100%%)", sr.Verdict)
	}
	if len(c.Functions) == 0 {
		t.Fatal("no CPU share changes although both runs have CPU profiles")
	}
	var fib *report.FunctionShare
	for i := range c.Functions {
		if strings.HasSuffix(c.Functions[i].Function, "demotarget.Fib") {
			fib = &c.Functions[i]
		}
	}
	if fib == nil || fib.NewFlat <= fib.BaseFlat || fib.NewSeconds <= fib.BaseSeconds {
		t.Errorf("Fib's CPU share did not grow: %+v", fib)
	}

	var tb bytes.Buffer
	if err := text.WriteCompare(&tb, c); err != nil {
		t.Fatal(err)
	}
	out := tb.String()
	for _, want := range []string{"metric", "latency p99", "target CPU (mean)", "worse", "demotarget.Fib", "Noise:"} {
		if !strings.Contains(out, want) {
			t.Errorf("text comparison lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)

	var js bytes.Buffer
	if err := report.WriteCompareJSON(&js, c); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Base    map[string]any   `json:"base"`
		New     map[string]any   `json:"new"`
		Metrics []map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Base["latency"] == nil || doc.New["requests"] == nil || len(doc.Metrics) != len(c.Metrics) {
		t.Errorf("JSON comparison lacks summaries or metrics: %s", js.String()[:min(400, js.Len())])
	}
	for _, m := range doc.Metrics {
		for _, k := range []string{"name", "base", "new", "ratio", "verdict"} {
			if _, ok := m[k]; !ok {
				t.Errorf("metric %v has no %q", m["name"], k)
			}
		}
	}

	var page bytes.Buffer
	if err := html.WriteCompare(&page, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-name="latency.p99"`, `id="chart-compare-spectrum"`, `id="flamegraph"`, "stackViewer(", "demotarget.Fib"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML comparison lacks %q", want)
		}
	}

	// A run compared with itself: nothing changed.
	same, err := report.Compare([]string{base}, []string{base})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range same.Metrics {
		if m.Verdict != report.VerdictSame {
			t.Errorf("%s: run vs itself is %q", m.Name, m.Verdict)
		}
	}
}

func ptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
