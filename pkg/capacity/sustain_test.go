package capacity

import (
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// rowsAt builds a step's intervals: per[i] successful completions in the
// i-th interval of iv from began (errs failed ones on top, each interval).
func rowsAt(began time.Time, iv time.Duration, per []uint64, errs uint64) []runrecord.Interval {
	var out []runrecord.Interval
	for i, n := range per {
		out = append(out, runrecord.Interval{StartMs: began.Add(time.Duration(i) * iv).UnixMilli(), Completed: n + errs, Errors: errs})
	}
	return out
}

// The case: /work?c=4&ms=20 serves 200/s. A 2 s step at 206/s
// meets p99<100ms (the queue is young), but completes 40 per 200 ms
// interval: 200/s, not 206/s. At 200/s it delivers what is offered.
func TestStepShortfall(t *testing.T) {
	iv := 200 * time.Millisecond
	began := time.UnixMilli(1_700_000_000_000) // on the interval grid
	steady := func(n uint64) []uint64 {
		per := make([]uint64, 10)
		for i := range per {
			per[i] = n
		}
		per[0] = n / 2          // ramp-in; not in a steady interval below anyway
		return append(per, 3*n) // the queue draining after sending stopped
	}
	cases := []struct {
		name    string
		offered float64
		per     []uint64
		errs    uint64
		fail    bool
	}{
		{"above capacity: 200/s delivered of 206/s", 206, steady(40), 0, true},
		{"at capacity: 200/s of 200/s", 200, steady(40), 0, false},
		{"2% short at 150/s: within noise", 153, steady(30), 0, false},
		{"half short, but too few requests to judge", 40, steady(4), 0, false},
		{"far below the offer", 400, steady(40), 0, true},
		{"failures do not count as delivered", 200, steady(40), 5, false},
		{"failures do not count as delivered, short", 220, steady(40), 5, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The step sent for 2 s: intervals 1..9 lie wholly inside
			// (0 is the ramp-in, cut at the start by alignment in real
			// runs; 10 is the drain after sending).
			start := began.Add(50 * time.Millisecond)
			rows := rowsAt(began, iv, c.per, c.errs)
			got, window, ok := delivered(rows, iv, start, 2*time.Second)
			if !ok {
				t.Fatal("not enough intervals")
			}
			if window != 9*iv {
				t.Errorf("window %s, want %s (the drain and the cut intervals left out)", window, 9*iv)
			}
			why := shortfall(c.offered, got, window)
			if (why != "") != c.fail {
				t.Errorf("delivered %.1f/s of %g/s: shortfall %q, want failing %v", got, c.offered, why, c.fail)
			}
			if c.fail && !strings.Contains(why, "did not sustain") {
				t.Errorf("note %q does not say the rate was not sustained", why)
			}
		})
	}
	// Too short to tell: no verdict rather than a guess.
	if _, _, ok := delivered(rowsAt(began, iv, []uint64{5, 5}, 0), iv, began, 300*time.Millisecond); ok {
		t.Error("a step with one whole interval was judged")
	}
}
