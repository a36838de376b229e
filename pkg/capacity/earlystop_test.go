package capacity

import (
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/slo"
)

func TestStopper(t *testing.T) {
	set, err := slo.Parse("p99<50ms,success>=99%,mean<1ms")
	if err != nil {
		t.Fatal(err)
	}
	iv := func(p50 time.Duration, completed, errsSoFar uint64) recording.IntervalStats {
		return recording.IntervalStats{P50: p50, P99: 3 * p50, Completed: completed, ErrorsSoFar: errsSoFar}
	}
	type obs = recording.IntervalStats
	for _, tc := range []struct {
		name string
		ivs  []obs
		want string // "" = not stopped
	}{
		{"p99 beyond but median fine is noise", []obs{iv(20*time.Millisecond, 100, 0), iv(20*time.Millisecond, 100, 0), iv(20*time.Millisecond, 100, 0)}, ""},
		{"median beyond, not long enough", []obs{iv(60*time.Millisecond, 100, 0), iv(60*time.Millisecond, 100, 0)}, ""},
		{"median beyond, streak broken", []obs{iv(60*time.Millisecond, 100, 0), iv(60*time.Millisecond, 100, 0), iv(10*time.Millisecond, 100, 0), iv(60*time.Millisecond, 100, 0)}, ""},
		{"median beyond three in a row", []obs{iv(60*time.Millisecond, 100, 0), iv(70*time.Millisecond, 100, 0), iv(80*time.Millisecond, 100, 0)}, "median latency beyond p99<50ms for 3 intervals in a row (up to 80ms)"},
		{"stalled target", []obs{iv(0, 0, 0), iv(0, 0, 0), iv(0, 0, 0)}, "median latency beyond p99<50ms"},
		// 100/s for 10s with success>=99% allows 10 errors in the step.
		{"errors within budget", []obs{iv(time.Millisecond, 100, 10)}, ""},
		{"errors over budget", []obs{iv(time.Millisecond, 100, 11)}, "11 requests failed, more than success>=99% allows in the whole step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cancelled := false
			s := newStopper(set, 3, 100, 10*time.Second, time.Second, func() { cancelled = true })
			for _, o := range tc.ivs {
				s.observe(o)
			}
			got := s.stopped()
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) || cancelled != (got != "") {
				t.Errorf("stopped = %q (cancelled %v), want %q", got, cancelled, tc.want)
			}
		})
	}
	// A silence shorter than the bound proves nothing: a busy machine can
	// go a few intervals without a response.
	generous, err := slo.Parse("p90<5s")
	if err != nil {
		t.Fatal(err)
	}
	s := newStopper(generous, 3, 100, 10*time.Second, time.Second, func() {})
	for range 4 {
		s.observe(iv(0, 0, 0))
	}
	if got := s.stopped(); got != "" {
		t.Errorf("stopped after 4s of silence under p90<5s: %q", got)
	}
	for range 4 { // silent for 6, 7 and 8 s: three intervals beyond 5 s
		s.observe(iv(0, 0, 0))
	}
	if got := s.stopped(); !strings.HasPrefix(got, "median latency beyond p90<5s for 3 intervals in a row (up to 8s)") {
		t.Errorf("after 8s of silence under p90<5s: stopped = %q", got)
	}
	// Empty intervals are normal at low rates (2/s with 1s intervals).
	s = newStopper(set, 3, 2, 10*time.Second, time.Second, func() {})
	for range 5 {
		s.observe(iv(0, 0, 0))
	}
	if got := s.stopped(); got != "" {
		t.Errorf("stopped a slow step for empty intervals: %q", got)
	}
}

// A latency check on a group watches that group's intervals: the slow
// group's median stops the step even while the run's median is fine, and
// a fast group never does.
func TestStopperOnGroup(t *testing.T) {
	iv := func(fast, slow time.Duration) recording.IntervalStats {
		return recording.IntervalStats{P50: fast, Completed: 100, Groups: []recording.GroupStats{
			{Name: "GET /fast", Completed: 90, P50: fast}, {Name: "GET /slow", Completed: 10, P50: slow}}}
	}
	for spec, want := range map[string]string{
		`p99{group="GET /slow"}<50ms`:       "median latency beyond p99{group=\"GET /slow\"}<50ms for 3 intervals",
		`p99{group="GET /fast"}<50ms`:       "",
		`success{group="GET /slow"}>=99.9%`: "",
	} {
		set, err := slo.Parse(spec)
		if err != nil {
			t.Fatal(err)
		}
		s := newStopper(set, 3, 100, 10*time.Second, time.Second, func() {})
		for range 3 {
			s.observe(iv(time.Millisecond, 80*time.Millisecond))
		}
		if got := s.stopped(); !strings.HasPrefix(got, want) || (want == "") != (got == "") {
			t.Errorf("%s: stopped = %q, want %q", spec, got, want)
		}
	}
}
