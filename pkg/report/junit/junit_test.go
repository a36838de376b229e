package junit_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	parser "github.com/joshdk/go-junit"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/junit"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// parse reads the XML back with a JUnit reader library, as a CI server
// would.
func parse(t *testing.T, xml []byte) []parser.Suite {
	t.Helper()
	suites, err := parser.Ingest(xml)
	if err != nil {
		t.Fatalf("JUnit reader: %v\n%s", err, xml)
	}
	return suites
}

func TestRunSLOChecksAreTestCases(t *testing.T) {
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	run := &runrecord.Run{Kind: "attack", Name: "checkout", Start: start, End: start.Add(30 * time.Second),
		Labels: map[string]string{"git": "abc123"},
		Summary: runrecord.Summary{Requests: 1000, SuccessRatio: 0.998, SLO: &runrecord.SLOResult{Pass: false, Checks: []runrecord.SLOCheck{
			{Expr: "p99<50ms", Value: 73.25, Pass: false, Unit: "ms"},
			{Expr: "success>=99.9%", Value: 99.8, Pass: false, Unit: "%"},
			{Expr: "p50<20ms", Value: 4.5, Pass: true, Unit: "ms"},
			{Expr: "target_cpu<50%", Pass: false, Unit: "%", Note: "no collector ran"},
		}}}}
	var b bytes.Buffer
	if err := junit.WriteRun(&b, run); err != nil {
		t.Fatal(err)
	}
	suites := parse(t, b.Bytes())
	if len(suites) != 1 {
		t.Fatalf("%d suites", len(suites))
	}
	s := suites[0]
	if s.Totals.Tests != 4 || s.Totals.Failed != 3 || s.Totals.Passed != 1 {
		t.Fatalf("totals %+v", s.Totals)
	}
	if s.Properties["label.git"] != "abc123" || !strings.Contains(s.Name, "checkout") {
		t.Fatalf("suite %q properties %v", s.Name, s.Properties)
	}
	byName := map[string]parser.Test{}
	for _, tc := range s.Tests {
		byName[tc.Name] = tc
	}
	p99 := byName["slo p99<50ms"]
	if p99.Status != parser.StatusFailed || p99.Error == nil || !strings.Contains(p99.Error.Error(), "measured 73.25ms") {
		t.Fatalf("p99 case: %+v", p99)
	}
	if c := byName["slo target_cpu<50%"]; c.Error == nil || !strings.Contains(c.Error.Error(), "no collector ran") {
		t.Fatalf("note: %+v", c)
	}
	if c := byName["slo p50<20ms"]; c.Status != parser.StatusPassed {
		t.Fatalf("passing check: %+v", c)
	}

	// No -slo: one case, failed only for a cut run.
	run.Summary.SLO = nil
	b.Reset()
	junit.WriteRun(&b, run)
	if s := parse(t, b.Bytes())[0]; s.Totals.Tests != 1 || s.Totals.Failed != 0 {
		t.Fatalf("no slo: %+v", s.Totals)
	}
	run.Interrupted = true
	b.Reset()
	junit.WriteRun(&b, run)
	if s := parse(t, b.Bytes())[0]; s.Totals.Failed != 1 {
		t.Fatalf("interrupted: %+v", s.Totals)
	}
}

func TestCapacityCase(t *testing.T) {
	run := &runrecord.Run{Kind: "capacity", Name: "api", Summary: runrecord.Summary{
		Capacity: &runrecord.Capacity{SLO: "p99<100ms", StopReason: "max rate reached without a failing step"}}}
	var b bytes.Buffer
	junit.WriteRun(&b, run)
	s := parse(t, b.Bytes())[0]
	if s.Totals.Tests != 1 || s.Totals.Failed != 1 || !strings.Contains(s.Tests[0].Error.Error(), "no rate met the SLO") {
		t.Fatalf("capacity without a rate: %+v", s)
	}
}

func TestCompareMetricsAreTestCases(t *testing.T) {
	dir := t.TempDir()
	base, next := filepath.Join(dir, "base"), filepath.Join(dir, "new")
	testrecords.WriteSynthetic(t, base, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 2 * time.Millisecond, CPU: 20, Seed: 1})
	testrecords.WriteSynthetic(t, next, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 3 * time.Millisecond, CPU: 20, Seed: 2})
	c, err := report.Compare([]string{base}, []string{next})
	if err != nil {
		t.Fatal(err)
	}
	worse := 0
	for _, m := range c.Metrics {
		if m.Verdict == report.VerdictWorse {
			worse++
		}
	}
	if worse == 0 {
		t.Fatal("fixture: 50 % slower gave no worse metric")
	}
	var b bytes.Buffer
	if err := junit.WriteCompare(&b, c, nil); err != nil {
		t.Fatal(err)
	}
	s := parse(t, b.Bytes())[0]
	if s.Totals.Tests != len(c.Metrics) || s.Totals.Failed != worse {
		t.Fatalf("totals %+v, want %d tests and %d failed", s.Totals, len(c.Metrics), worse)
	}
	for _, tc := range s.Tests {
		if tc.Name == "latency p99" && (tc.Error == nil || !strings.Contains(tc.Error.Error(), "worse") || !strings.Contains(tc.Error.Error(), "->")) {
			t.Fatalf("p99 case %+v", tc)
		}
	}
	// Gating only p50: the other worse metrics pass.
	b.Reset()
	junit.WriteCompare(&b, c, func(name string) bool { return name == "latency.p50" })
	if s := parse(t, b.Bytes())[0]; s.Totals.Failed != 1 {
		t.Fatalf("gated on p50: %+v", s.Totals)
	}
}
