package attack

import (
	"testing"
	"time"
)

// TestSpinAheadIsBounded: a slot spins at most 1/spinShare of its gap and
// never more than maxSpinAhead, so the spinning of a whole attack costs at
// most 1/spinShare of one core whatever its rate; above 10,000/s none.
func TestSpinAheadIsBounded(t *testing.T) {
	for _, c := range []struct{ gap, want time.Duration }{
		{0, 0},
		{50 * time.Microsecond, 0},           // 20,000/s: busy, no spin
		{minSpinGap, minSpinGap / spinShare}, // 10,000/s
		{200 * time.Microsecond, 20 * time.Microsecond}, // 5,000/s
		{time.Millisecond, 100 * time.Microsecond},      // 1,000/s
		{20 * time.Millisecond, maxSpinAhead},           // 50/s
		{time.Hour, maxSpinAhead},
	} {
		got := spinAhead(c.gap)
		if got != c.want {
			t.Errorf("spinAhead(%s) = %s, want %s", c.gap, got, c.want)
		}
		if got*spinShare > c.gap {
			t.Errorf("spinAhead(%s) = %s spins more than 1/%d of the gap", c.gap, got, spinShare)
		}
	}
}

// TestWakeTimerNeverEarly: whatever the pacing and however early a wait
// may wake to spin, it returns only once its instant has passed. Lateness
// is not asserted: a busy machine makes any wake-up late.
func TestWakeTimerNeverEarly(t *testing.T) {
	for _, p := range []string{PacingPrecise, PacingCoarse} {
		for _, early := range []time.Duration{0, 300 * time.Microsecond, time.Hour} {
			w := newWakeTimer(p)
			for i := range 20 {
				due := time.Now().Add(time.Duration(i%5) * 400 * time.Microsecond)
				if !w.until(due, early) {
					t.Fatalf("%s, early %s: wait %d returned false with no interrupt", p, early, i)
				}
				if now := time.Now(); now.Before(due) {
					t.Fatalf("%s, early %s: wait %d returned %s before its instant", p, early, i, due.Sub(now))
				}
			}
			w.close()
		}
	}
}

// TestWakeTimerInterruptStopsASpin: interrupt ends a wait that is
// spinning, not only one that sleeps (a spin may last maxSpinAhead, or all
// of a wait whose early covers it).
func TestWakeTimerInterruptStopsASpin(t *testing.T) {
	for _, p := range []string{PacingPrecise, PacingCoarse} {
		w := newWakeTimer(p)
		due := time.Now().Add(2 * time.Second)
		go func() {
			time.Sleep(10 * time.Millisecond)
			w.interrupt()
		}()
		if w.until(due, time.Hour) {
			t.Fatalf("%s: a wait interrupted 2 s before its instant returned true", p)
		}
		w.close()
	}
}
