// Package junit writes loadgen's verdicts as JUnit XML, the test report
// format CI servers (Jenkins, GitLab, GitHub Actions reporters, Buildkite)
// read: each SLO check of a run, or each metric of a comparison, is a test
// case, and a failure carries the measured value. The XML types are
// go-junit-report's.
//
//	f, _ := os.Create("loadgen.xml")
//	junit.WriteRun(f, run)          // after an attack: one case per -slo check
//	junit.WriteCompare(f, c, nil)   // after compare: one case per metric
package junit

import (
	"fmt"
	"io"
	"time"

	gojunit "github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Run is the JUnit report of one run record. Each -slo check is a test
// case, failed with its measured value when it did not hold. A capacity
// run adds a case for the search itself (failed when no rate met the
// SLO). A run with no -slo has one case, "run completed", failed when the
// run was cut short or sent nothing.
func Run(run *runrecord.Run) gojunit.Testsuites {
	name := run.Name
	if name == "" {
		name = run.Kind
	}
	suite := gojunit.Testsuite{
		Name: "loadgen " + run.Kind + " " + name,
		Time: seconds(run.End.Sub(run.Start)),
	}
	suite.SetTimestamp(run.Start)
	suite.AddProperty("schedule", run.Plan.Schedule)
	for k, v := range run.Labels {
		suite.AddProperty("label."+k, v)
	}
	class := "loadgen." + run.Kind
	s := run.Summary
	if s.SLO != nil {
		for _, c := range s.SLO.Checks {
			tc := gojunit.Testcase{Name: "slo " + c.Expr, Classname: class}
			msg := c.Expr + ": " + text.SLOMeasured(c)
			if !c.Pass {
				tc.Failure = &gojunit.Result{Message: msg, Type: "slo", Data: msg}
			} else {
				tc.SystemOut = &gojunit.Output{Data: msg}
			}
			suite.AddTestcase(tc)
		}
	}
	if c := s.Capacity; c != nil {
		tc := gojunit.Testcase{Name: "capacity under " + c.SLO, Classname: class}
		if c.SustainableRate == 0 {
			msg := "no rate met the SLO: " + c.StopReason
			tc.Failure = &gojunit.Result{Message: msg, Type: "capacity", Data: msg}
		} else {
			tc.SystemOut = &gojunit.Output{Data: fmt.Sprintf("sustainable rate %g/s (%s)", c.SustainableRate, c.StopReason)}
		}
		suite.AddTestcase(tc)
	}
	if s.SLO == nil && s.Capacity == nil {
		tc := gojunit.Testcase{Name: "run completed", Classname: class}
		switch {
		case run.Interrupted || run.Aborted:
			tc.Failure = &gojunit.Result{Message: "the run was cut short (interrupted)", Type: "run"}
		case s.Requests == 0:
			tc.Failure = &gojunit.Result{Message: "no request was sent", Type: "run"}
		default:
			tc.SystemOut = &gojunit.Output{Data: fmt.Sprintf("%d requests, success %.2f%%, p99 %s", s.Requests, 100*s.SuccessRatio, text.Round(s.Latency.P99))}
		}
		suite.AddTestcase(tc)
	}
	var out gojunit.Testsuites
	out.AddSuite(suite)
	return out
}

// Compare is the JUnit report of a comparison: each metric a test case.
// A metric whose verdict is worse fails when gate says it gates (nil: all
// do); a worse metric that does not gate passes with the verdict in its
// output. A metric that one side did not collect, or that has no noise
// band, is skipped.
func Compare(c *report.Comparison, gate func(name string) bool) gojunit.Testsuites {
	suite := gojunit.Testsuite{Name: "loadgen compare"}
	if len(c.New.Runs) > 0 {
		suite.SetTimestamp(c.New.Runs[0].Start)
	}
	suite.AddProperty("base", text.Side(c.BaseDirs, c.Base))
	suite.AddProperty("new", text.Side(c.NewDirs, c.New))
	for _, m := range c.Metrics {
		tc := gojunit.Testcase{Name: m.Label, Classname: "loadgen.compare." + m.Name}
		line := text.MetricLine(m)
		switch {
		case m.Verdict == report.VerdictWorse && (gate == nil || gate(m.Name)):
			tc.Failure = &gojunit.Result{Message: line, Type: "regression", Data: line}
		case m.Verdict == report.VerdictMissing || m.Verdict == report.VerdictUnknown:
			tc.Skipped = &gojunit.Result{Message: line}
		default:
			tc.SystemOut = &gojunit.Output{Data: line}
		}
		suite.AddTestcase(tc)
	}
	var out gojunit.Testsuites
	out.AddSuite(suite)
	return out
}

// WriteRun writes Run(run) as XML.
func WriteRun(w io.Writer, run *runrecord.Run) error {
	s := Run(run)
	return s.WriteXML(w)
}

// WriteCompare writes Compare(c, gate) as XML.
func WriteCompare(w io.Writer, c *report.Comparison, gate func(name string) bool) error {
	s := Compare(c, gate)
	return s.WriteXML(w)
}

func seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}
