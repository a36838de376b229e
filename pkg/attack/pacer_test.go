package attack

import (
	"runtime"
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
			w := newWakeTimer(p, nil)
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
		w := newWakeTimer(p, nil)
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
		w := newWakeTimer(p, nil)
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

// hasTimerfd: precise timers, and so alarms, exist only on Linux.
const hasTimerfd = runtime.GOOS == "linux"

// eventually polls cond for up to a minute: what it waits for happens in
// µs on a quiet machine, and a busy one only delays it.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(time.Minute); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("still not %s after a minute", what)
		}
	}
}

// TestAlarmTicksOnlyWhileABusyWaitIsDue: the alarm fires while a busy
// wait is due, parks once its instant has passed (no ticks while parked),
// wakes for the next busy wait, and returns when closed.
func TestAlarmTicksOnlyWhileABusyWaitIsDue(t *testing.T) {
	if newAlarm(PacingCoarse) != nil {
		t.Fatal("coarse pacing has an alarm")
	}
	var none *alarm // what a run without an alarm holds
	none.expect(time.Now())
	none.close()
	al := newAlarm(PacingPrecise)
	if al == nil {
		if hasTimerfd {
			t.Fatal("no alarm for precise pacing on Linux")
		}
		t.Skip("no timerfd")
	}
	done := make(chan struct{})
	go func() { al.run(); close(done) }()
	eventually(t, "parked with no busy wait", al.parked.Load)
	for round := range 2 {
		ticks := al.ticks.Load()
		al.expect(time.Now().Add(20 * time.Millisecond))
		eventually(t, "ticking for a busy wait", func() bool { return al.ticks.Load() > ticks })
		eventually(t, "parked after the busy wait's instant", al.parked.Load)
		ticks = al.ticks.Load()
		time.Sleep(10 * alarmPeriod)
		if n := al.ticks.Load() - ticks; n > 0 {
			t.Fatalf("round %d: %d ticks while parked", round, n)
		}
	}
	al.close()
	al.close() // a run's shutdown may come twice
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the alarm still runs a minute after close")
	}
}

// TestBusyWaitTellsTheAlarm: a precise timer's busy wait tells its alarm
// when it is due, before it waits; a timerfd wait does not.
func TestBusyWaitTellsTheAlarm(t *testing.T) {
	al := newAlarm(PacingPrecise)
	if al == nil {
		t.Skip("no timerfd")
	}
	w := newWakeTimer(PacingPrecise, al)
	defer w.close()
	due := time.Now().Add(2 * time.Millisecond)
	if !w.until(due, wait{}) || al.until.Load() != 0 {
		t.Fatalf("a timerfd wait set the alarm's instant to %d", al.until.Load())
	}
	due = time.Now().Add(2 * time.Millisecond)
	if !w.until(due, wait{busy: true}) {
		t.Fatal("a busy wait returned false with no interrupt")
	}
	if got, want := al.until.Load(), int64(due.Sub(al.base)); got != want {
		t.Fatalf("alarm's instant %d ns, want the busy wait's %d", got, want)
	}
	// An earlier busy wait does not move the alarm's instant back.
	w.until(time.Now(), wait{busy: true})
	if got := al.until.Load(); got != int64(due.Sub(al.base)) {
		t.Fatalf("alarm's instant moved to %d ns", got)
	}
}
