package html

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// One point per offered rate: a passing retry wins over the failed attempt,
// a cut step is left out, rates come out in order.
func TestCapacityCurve(t *testing.T) {
	t.Parallel()
	c := &runrecord.Capacity{SustainableRate: 200, Steps: []runrecord.CapacityStep{
		{Rate: 400, Requests: 10, Pass: false, Throughput: 300, P99: 900 * time.Millisecond},
		{Rate: 200, Requests: 10, Pass: false, Throughput: 199, P99: 150 * time.Millisecond},
		{Rate: 200, Requests: 10, Pass: true, Throughput: 200, P99: 20 * time.Millisecond},
		{Rate: 100, Requests: 10, Pass: true, Throughput: 100, P99: 10 * time.Millisecond},
		{Rate: 300, Requests: 3, Interrupted: true},
	}}
	k := newCapacityCurve(c)
	if len(k.Rate) != 3 || k.Rate[0] != 100 || k.Rate[1] != 200 || k.Rate[2] != 400 {
		t.Fatalf("rates %v", k.Rate)
	}
	if !k.Pass[1] || *k.P99[1] != 20 || k.Throughput[1] != 200 {
		t.Errorf("200/s point: pass %v p99 %v thr %v, want the passing retry", k.Pass[1], *k.P99[1], k.Throughput[1])
	}
	if k.Pass[2] || *k.P99[2] != 900 {
		t.Errorf("400/s point: %v %v", k.Pass[2], *k.P99[2])
	}
}

// A capacity search's record (the golden one: steps of 50, 200, 400 and
// 300/s) renders as the curve of its steps against the offered rate, each
// step linking its own report.
func TestCapacityPageFromTheRecord(t *testing.T) {
	t.Parallel()
	dir := goldenrecords.Copy(t, "capacity")
	if _, err := WriteRecord(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, runrecord.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="chart-capacity-latency"`, `id="chart-capacity-throughput"`, `"capacity":{"rate":[50,200,300,400]`, `href="steps/01/report.html"`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("capacity report.html lacks %s", want)
		}
	}
}
