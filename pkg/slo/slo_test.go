package slo

import (
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

func TestParse(t *testing.T) {
	set, err := Parse(" p99 < 50ms, p999<=0.2s,success>=99.9%,missed==0,throughput>1000/s,target_cpu<80%,target_rss<=1GiB,service_p99<1ms,lag_p99<500us")
	if err != nil {
		t.Fatal(err)
	}
	want := []Check{
		{Expr: "p99<50ms", Key: "p99", Kind: Latency, Op: "<", Limit: float64(50 * time.Millisecond)},
		{Expr: "p999<=0.2s", Key: "p999", Kind: Latency, Op: "<=", Limit: float64(200 * time.Millisecond)},
		{Expr: "success>=99.9%", Key: "success", Kind: Ratio, Op: ">=", Limit: 0.999},
		{Expr: "missed==0", Key: "missed", Kind: Count, Op: "==", Limit: 0},
		{Expr: "throughput>1000/s", Key: "throughput", Kind: PerSec, Op: ">", Limit: 1000},
		{Expr: "target_cpu<80%", Key: "target_cpu", Kind: Percent, Op: "<", Limit: 80},
		{Expr: "target_rss<=1GiB", Key: "target_rss", Kind: Bytes, Op: "<=", Limit: 1 << 30},
		{Expr: "service_p99<1ms", Key: "service_p99", Kind: Latency, Op: "<", Limit: 1e6},
		{Expr: "lag_p99<500us", Key: "lag_p99", Kind: Latency, Op: "<", Limit: 5e5},
	}
	got := set.Checks()
	if len(got) != len(want) {
		t.Fatalf("got %d checks, want %d", len(got), len(want))
	}
	for i := range want {
		if d := got[i].Limit - want[i].Limit; got[i].Expr != want[i].Expr || got[i].Key != want[i].Key ||
			got[i].Kind != want[i].Kind || got[i].Op != want[i].Op || d > 1e-9 || d < -1e-9 {
			t.Errorf("check %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s := set.String(); !strings.HasPrefix(s, "p99<50ms,p999<=0.2s,") {
		t.Errorf("String() = %q", s)
	}
}

func TestParseErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"":                    "empty SLO",
		"p99<50":              `"50" needs a time unit`,
		"p99<fast":            "is not a duration",
		"p98<50ms":            `unknown key "p98"`,
		"p99=50ms":            "a single = or != is not supported",
		"p99":                 "no comparison",
		"<50ms":               "missing key",
		"p99<":                "missing value",
		"p99<50ms,,missed==0": "check 2 of 3",
		"p99<50ms,":           "empty check",
		"success>=99.9":       "did you mean 99.9%",
		"success>=101%":       "over 100%",
		"missed==-1":          "non-negative",
		"rate>NaN":            "finite",
		"p99<-5ms":            "must not be negative",
		"p99<5ms<6ms":         "one comparison per check",
		"p99<5ms,p99<5ms":     "given twice",
	} {
		_, err := Parse(spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", spec, err, want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	set, err := Parse("p99<50ms,success>=99.9%,missed==0,target_cpu<80%")
	if err != nil {
		t.Fatal(err)
	}
	sum := runrecord.Summary{
		Latency:      runrecord.Latency{P99: 42 * time.Millisecond},
		SuccessRatio: 0.998,
	}
	res := set.Evaluate(sum)
	if res.Pass {
		t.Fatal("passed with success 99.8% and no target data")
	}
	want := []runrecord.SLOCheck{
		{Expr: "p99<50ms", Value: 42, Unit: "ms", Pass: true},
		{Expr: "success>=99.9%", Value: 99.8, Unit: "%", Pass: false},
		{Expr: "missed==0", Value: 0, Pass: true},
		{Expr: "target_cpu<80%", Unit: "%", Pass: false, Note: noCollector},
	}
	for i, w := range want {
		g := res.Checks[i]
		if g.Expr != w.Expr || g.Pass != w.Pass || g.Unit != w.Unit || g.Note != w.Note || g.Value-w.Value > 1e-9 || w.Value-g.Value > 1e-9 {
			t.Errorf("check %d = %+v, want %+v", i, g, w)
		}
	}

	sum.SuccessRatio = 1
	sum.Target = &runrecord.TargetSummary{CPUPercent: runrecord.MeanMax{Mean: 35}}
	if res := set.Evaluate(sum); !res.Pass {
		t.Errorf("failed a passing summary: %+v", res)
	}
	sum.Latency.P99 = 50 * time.Millisecond // the bound itself fails <
	if res := set.Evaluate(sum); res.Pass || res.Checks[0].Pass {
		t.Errorf("p99 = 50ms passed p99<50ms: %+v", res)
	}
	var none *Set
	if none.Evaluate(sum) != nil {
		t.Error("nil set evaluated to a result")
	}
}

// A run exactly at the bound meets it: 9990 of 10000 is success>=99.9%.
func TestRatioBoundIsExact(t *testing.T) {
	set, err := Parse("success>=99.9%,success>=99.99%")
	if err != nil {
		t.Fatal(err)
	}
	res := set.Evaluate(runrecord.Summary{Requests: 10000, SuccessRatio: 9990.0 / 10000})
	if !res.Checks[0].Pass || res.Checks[1].Pass {
		t.Errorf("checks %+v: want 99.9%% to pass and 99.99%% to fail at exactly 99.9%%", res.Checks)
	}
}

// A check can be about one endpoint group or one scenario; names with
// spaces are quoted, and commas inside quotes do not split checks.
func TestParseSelectors(t *testing.T) {
	set, err := Parse(`p99{group=orders}<80ms, success{group=orders}>=99.9%, p50 { group = "GET /fib?n=25, again" } < 5ms, missed{scenario=writes}==0, p99<1s`)
	if err != nil {
		t.Fatal(err)
	}
	c := set.Checks()
	if len(c) != 5 || c[0].Group != "orders" || c[0].Key != "p99" || c[2].Group != "GET /fib?n=25, again" || c[3].Scenario != "writes" || c[4].Group != "" {
		t.Fatalf("checks %+v", c)
	}
	want := `p99{group=orders}<80ms,success{group=orders}>=99.9%,p50{group="GET /fib?n=25, again"}<5ms,missed{scenario=writes}==0,p99<1s`
	if set.String() != want {
		t.Errorf("String() = %s\nwant        %s", set.String(), want)
	}
	if again, err := Parse(set.String()); err != nil || again.String() != want {
		t.Errorf("re-parse: %v %v", again, err)
	}
	if g := set.Groups(); len(g) != 2 || g[0] != "orders" {
		t.Errorf("Groups() = %q", g)
	}
	for spec, want := range map[string]string{
		"p99{group=orders<5ms":              "unclosed selector",
		"p99{host=a}<5ms":                   "want {group=NAME} or {scenario=NAME}",
		"p99{group=GET /x}<5ms":             "quote a name",
		`p99{group=""}<5ms`:                 "empty name",
		"target_cpu{group=a}<50%":           "whole run's",
		"missed{group=a}==0":                "per scenario",
		"p99}<5ms":                          "without '{'",
		`p99{group="a}<5ms`:                 "unclosed selector",
		"p99{group=a}<5ms,p99{group=a}<5ms": "given twice",
	} {
		if _, err := Parse(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) error = %v, want it to contain %q", spec, err, want)
		}
	}
}

// Checks on groups and scenarios read their part of the summary; a slow
// group fails while a fast one passes, and a group the run does not have
// fails with a note that lists the ones it has.
func TestEvaluateSelectors(t *testing.T) {
	sum := runrecord.Summary{Requests: 300, SuccessRatio: 1, Latency: runrecord.Latency{P99: 20 * time.Millisecond}}
	fast := runrecord.GroupSummary{Name: "GET /fast", Summary: runrecord.Summary{Requests: 200, SuccessRatio: 1, Latency: runrecord.Latency{P99: time.Millisecond}}}
	slow := runrecord.GroupSummary{Name: "GET /slow", Summary: runrecord.Summary{Requests: 100, SuccessRatio: 0.99, Latency: runrecord.Latency{P99: 20 * time.Millisecond}}}
	sum.Groups = []runrecord.GroupSummary{fast, slow}
	sum.Scenarios = []runrecord.ScenarioSummary{{Name: "reads", Summary: runrecord.Summary{Missed: 3}}}
	set, err := Parse(`p99{group="GET /fast"}<5ms,p99{group="GET /slow"}<5ms,success{group="GET /slow"}>=99.9%,p99{group=nope}<5ms,missed{scenario=reads}==0,p99<50ms`)
	if err != nil {
		t.Fatal(err)
	}
	res := set.Evaluate(sum)
	pass := []bool{true, false, false, false, false, true}
	for i, c := range res.Checks {
		if c.Pass != pass[i] {
			t.Errorf("%s: pass %v, want %v (%+v)", c.Expr, c.Pass, pass[i], c)
		}
	}
	if res.Pass || res.Checks[1].Value != 20 || !strings.Contains(res.Checks[3].Note, `groups: "GET /fast", "GET /slow"`) || res.Checks[4].Value != 3 {
		t.Errorf("result %+v", res)
	}
}
