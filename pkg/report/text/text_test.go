package text

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

func TestWriteTextDivergenceNote(t *testing.T) {
	s := runrecord.Summary{
		Requests: 100, SuccessRatio: 1, Rate: 10, Throughput: 10, Duration: 10 * time.Second,
		Latency:        runrecord.Latency{P99: 180 * time.Millisecond, P999: 199 * time.Millisecond},
		ServiceLatency: runrecord.Latency{P99: 5 * time.Millisecond},
		DispatchLag:    runrecord.Lag{P99: 170 * time.Millisecond},
		StatusCodes:    map[string]uint64{"200": 90, "0": 10},
		Errors:         []runrecord.ErrorCount{{Message: "<script>x</script>", Count: 10}},
	}
	var b bytes.Buffer
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"99.9", "Missed", "Dispatch lag", "0:10  200:90", "Note: latency from the intended send time (p99 180ms)", "<script>x</script> (x10)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	s.Latency.P99 = 5 * time.Millisecond
	b.Reset()
	Write(&b, s)
	if strings.Contains(b.String(), "Note:") {
		t.Errorf("no divergence, but a note:\n%s", b.String())
	}
}
