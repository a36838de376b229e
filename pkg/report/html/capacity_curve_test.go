package html

import (
	"testing"
	"time"

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
