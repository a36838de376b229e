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
