package text

import (
	"bytes"
	"regexp"
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

// The summary ends with the slowest requests; a target's error text cannot
// inject terminal escapes.
func TestWriteTextSlowestRequests(t *testing.T) {
	no := false
	s := runrecord.Summary{Requests: 3, StatusCodes: map[string]uint64{"200": 2, "0": 1}, Exemplars: []runrecord.Exemplar{
		{Intended: time.Date(2026, 11, 22, 10, 0, 3, 250e6, time.UTC), Latency: 1203 * time.Millisecond, ServiceLatency: 1002 * time.Millisecond,
			DispatchLag: 201 * time.Millisecond, Status: 200, Target: "GET http://127.0.0.1:8080/stall", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"},
		{Intended: time.Date(2026, 11, 22, 10, 0, 4, 0, time.UTC), Latency: 900 * time.Millisecond, Error: "read: \x1b[31mreset\x1b[0m",
			Target: "GET http://127.0.0.1:8080/a", TraceID: "00f067aa0ba902b700f067aa0ba902b7", Sampled: &no},
	}}
	var b bytes.Buffer
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	i := strings.Index(out, "Slowest requests")
	if i < 0 {
		t.Fatalf("no slowest requests:\n%s", out)
	}
	tail := out[i:]
	for _, want := range []string{
		"10:00:03.250  1.203s  1.002s  201ms  200",
		"GET http://127.0.0.1:8080/stall  4bf92f3577b34da6a3ce929d0e0e4736\n",
		`read: \x1b[31mreset\x1b[0m`,
		"00f067aa0ba902b700f067aa0ba902b7 (not sampled)",
	} {
		if !strings.Contains(tail, want) {
			t.Errorf("slowest requests lack %q:\n%s", want, tail)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("an escape character reached the terminal")
	}
	if strings.Count(tail, "\n") != 3 {
		t.Errorf("the summary does not end with the slowest requests:\n%s", tail)
	}
	if strings.Contains(tail, "group") {
		t.Errorf("a run of one group names groups:\n%s", tail)
	}

	// With several groups, each request names its group.
	s.Exemplars[0].Group, s.Exemplars[1].Group = "GET /stall", "orders"
	b.Reset()
	if err := Write(&b, s); err != nil {
		t.Fatal(err)
	}
	tail = b.String()[strings.Index(b.String(), "Slowest requests"):]
	for _, want := range []string{
		`status or error, group, target, trace id\]`,
		`(?m)  200 +GET /stall  GET http://127\.0\.0\.1:8080/stall  4bf92f3577b34da6a3ce929d0e0e4736$`,
		`(?m)reset\\x1b\[0m  orders +GET http://127\.0\.0\.1:8080/a +00f067aa0ba902b700f067aa0ba902b7 \(not sampled\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(tail) {
			t.Errorf("slowest requests do not match %s:\n%s", want, tail)
		}
	}
}

// Retries show when there were some.
func TestWriteTextRetries(t *testing.T) {
	var b bytes.Buffer
	Write(&b, runrecord.Summary{Requests: 10})
	if strings.Contains(b.String(), "Retries") {
		t.Errorf("a retries line without retries:\n%s", b.String())
	}
	b.Reset()
	Write(&b, runrecord.Summary{Requests: 10, Retries: 9})
	if !regexp.MustCompile(`Retries\s+\[sent again, new connection\]\s+9\n`).MatchString(b.String()) {
		t.Errorf("no retries line:\n%s", b.String())
	}
}
