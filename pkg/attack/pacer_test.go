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

// TestWaitFor: below busyGap (from 15,000 req/s) a precise wait uses the
// runtime's timer; a gap of 0 (slots of two scenarios due together, whose
// rates say nothing of how busy the process is) does not.
func TestWaitFor(t *testing.T) {
	for _, c := range []struct {
		gap  time.Duration
		busy bool
	}{
		{0, false},
		{25 * time.Microsecond, true}, // 40,000/s
		{50 * time.Microsecond, true}, // 20,000/s
		{time.Second / 15000, true},
		{80 * time.Microsecond, false}, // 12,500/s
		{time.Millisecond, false},
	} {
		w := waitFor(c.gap)
		if w.busy != c.busy {
			t.Errorf("waitFor(%s).busy = %v, want %v", c.gap, w.busy, c.busy)
		}
		if w.early != spinAhead(c.gap) {
			t.Errorf("waitFor(%s).early = %s, want spinAhead's %s", c.gap, w.early, spinAhead(c.gap))
		}
	}
}

// TestWakeTimerNeverEarly: whatever the pacing, however early a wait may
// wake to spin and whichever timer it waits on, it returns only once its
// instant has passed. Lateness is not asserted: a busy machine makes any
// wake-up late.
func TestWakeTimerNeverEarly(t *testing.T) {
	for _, p := range []string{PacingPrecise, PacingCoarse} {
		for _, wt := range []wait{{}, {early: 300 * time.Microsecond}, {early: time.Hour}, {busy: true}} {
			w := newWakeTimer(p)
			for i := range 20 {
				due := time.Now().Add(time.Duration(i%5) * 400 * time.Microsecond)
				if !w.until(due, wt) {
					t.Fatalf("%s, %+v: wait %d returned false with no interrupt", p, wt, i)
				}
				if now := time.Now(); now.Before(due) {
					t.Fatalf("%s, %+v: wait %d returned %s before its instant", p, wt, i, due.Sub(now))
				}
			}
			w.close()
		}
	}
}

// TestWakeTimerInterruptStopsABusyWait: interrupt ends a wait on the
// runtime's timer too.
func TestWakeTimerInterruptStopsABusyWait(t *testing.T) {
	for _, p := range []string{PacingPrecise, PacingCoarse} {
		w := newWakeTimer(p)
		go func() {
			time.Sleep(10 * time.Millisecond)
			w.interrupt()
		}()
		done := make(chan bool, 1)
		go func() { done <- w.until(time.Now().Add(time.Hour), wait{busy: true}) }()
		select {
		case ok := <-done:
			if ok {
				t.Fatalf("%s: a busy wait interrupted an hour before its instant returned true", p)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: a busy wait still waits a minute after interrupt", p)
		}
		w.close()
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
		if w.until(due, wait{early: time.Hour}) {
			t.Fatalf("%s: a wait interrupted 2 s before its instant returned true", p)
		}
		w.close()
	}
}
