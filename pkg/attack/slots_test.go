package attack

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func fakeTargets(n int) []vegeta.Target {
	t := make([]vegeta.Target, n)
	for i := range t {
		t[i] = vegeta.Target{Method: "GET", URL: "http://127.0.0.1:1/" + string(rune('a'+i))}
	}
	return t
}

// claimAll claims every slot of d, each at the instant it is due (a fake
// clock: nothing waits), and returns them in claim order.
func claimAll(t *testing.T, d *dispenser, began time.Time) []slot {
	t.Helper()
	var out []slot
	now := began
	for {
		s, ok := d.claim(now)
		if !ok {
			return out
		}
		if s.waited != 0 {
			t.Fatalf("slot %d claimed at its due time but waited %s", s.n, s.waited)
		}
		out = append(out, s)
		if len(out) > 100000 {
			t.Fatal("dispenser never ends")
		}
		if nd, ok := d.nextDue(); ok {
			now = nd
		}
	}
}

// TestShardReleasesItsShare: shard I of N sends exactly the slots n with
// n mod N == I of the one schedule, each at its own Due(n), with targets
// round-robin over the global slot number, and the shards together send
// every slot once.
func TestShardReleasesItsShare(t *testing.T) {
	sched := Constant{Freq: 1000, Per: time.Second}
	const shards, horizon = 3, 100 * time.Millisecond // slots 0..99
	tg := fakeTargets(4)
	began := time.Unix(1000, 0)
	seen := map[uint64]int{}
	for shard := uint64(0); shard < shards; shard++ {
		d := newDispenser([]Scenario{{Schedule: sched, Targets: tg}}, []int{0}, shard, shards, horizon)
		d.start(began)
		got := claimAll(t, d, began)
		for i, s := range got {
			want := shard + uint64(i)*shards
			due, _ := sched.Due(want)
			if s.n != want || !s.intended.Equal(began.Add(due)) || s.target != int(want%4) {
				t.Fatalf("shard %d slot %d: n %d intended +%s target %d; want n %d +%s target %d",
					shard, i, s.n, s.intended.Sub(began), s.target, want, due, want%4)
			}
			seen[s.n]++
		}
		if due := shardCount(sched.Hits(horizon), shard, shards); due != uint64(len(got)) {
			t.Errorf("shard %d: %d slots released, its share of the due count is %d", shard, len(got), due)
		}
	}
	if len(seen) != 100 {
		t.Fatalf("shards together released %d distinct slots, want 100", len(seen))
	}
	for n, c := range seen {
		if c != 1 {
			t.Fatalf("slot %d released %d times", n, c)
		}
	}
}

// TestScenariosShareOneClock: two scenarios in one dispenser are released
// merged in due order, each slot n of a scenario at that scenario's own
// Due(n) and to that scenario's targets, with its gap to the slot released
// before it.
func TestScenariosShareOneClock(t *testing.T) {
	slow := Constant{Freq: 100, Per: time.Second}
	ramp, err := NewStages([]Stage{{Duration: 100 * time.Millisecond, Target: 2000}})
	if err != nil {
		t.Fatal(err)
	}
	scs := []Scenario{
		{Name: "slow", Schedule: slow, Targets: fakeTargets(2)},
		{Name: "ramp", Schedule: ramp, Targets: fakeTargets(3)},
	}
	began := time.Unix(2000, 0)
	d := newDispenser(scs, []int{0, 2}, 0, 1, 100*time.Millisecond)
	d.start(began)
	got := claimAll(t, d, began)
	next := []uint64{0, 0}
	last := began
	for _, s := range got {
		if s.intended.Before(last) {
			t.Fatalf("slot %d of scenario %d (+%s) released after a later one (+%s)", s.n, s.src, s.intended.Sub(began), last.Sub(began))
		}
		// The gap that bounds a slot's spin is to the slot before it in
		// the merged order, whichever scenario that was.
		if s.gap != s.intended.Sub(last) {
			t.Fatalf("slot %d of scenario %d has gap %s, want %s", s.n, s.src, s.gap, s.intended.Sub(last))
		}
		last = s.intended
		if s.n != next[s.src] {
			t.Fatalf("scenario %d released slot %d, want %d", s.src, s.n, next[s.src])
		}
		next[s.src]++
		due, _ := scs[s.src].Schedule.Due(s.n)
		if !s.intended.Equal(began.Add(due)) {
			t.Fatalf("scenario %d slot %d intended +%s, want its own Due +%s", s.src, s.n, s.intended.Sub(began), due)
		}
		lo, n := []int{0, 2}[s.src], len(scs[s.src].Targets)
		if s.target != lo+int(s.n%uint64(n)) {
			t.Fatalf("scenario %d slot %d target %d, want %d", s.src, s.n, s.target, lo+int(s.n%uint64(n)))
		}
	}
	if next[0] != slow.Hits(100*time.Millisecond) || next[1] != ramp.Hits(100*time.Millisecond) {
		t.Fatalf("released %v slots, want %d and %d", next, slow.Hits(100*time.Millisecond), ramp.Hits(100*time.Millisecond))
	}
}

// TestWaitingCapsDrop: slots that wait past MaxWaiting, or longer than the
// timeout, are dropped oldest first and counted; the rest keep their
// intended time and their wait is reported.
func TestWaitingCapsDrop(t *testing.T) {
	sched := Constant{Freq: 1000, Per: time.Second} // slot n due at n+1 ms
	began := time.Unix(3000, 0)
	d := newDispenser([]Scenario{{Schedule: sched, Targets: fakeTargets(1)}}, []int{0}, 0, 1, 0)
	d.maxWaiting = 10
	d.start(began)
	now := began.Add(50*time.Millisecond + 500*time.Microsecond) // slots 0..49 due
	s, ok := d.claim(now)
	if !ok || s.n != 40 || d.srcs[0].dropped != 40 {
		t.Fatalf("claimed slot %d (ok %v), dropped %d; want slot 40 after dropping 40", s.n, ok, d.srcs[0].dropped)
	}
	if s.waited != 9500*time.Microsecond || !s.intended.Equal(began.Add(41*time.Millisecond)) {
		t.Fatalf("slot 40 waited %s intended +%s; want 9.5ms, +41ms", s.waited, s.intended.Sub(began))
	}
	if d.peakWaiting < 50 {
		t.Fatalf("peak waiting %d, want at least the 50 due", d.peakWaiting)
	}

	d = newDispenser([]Scenario{{Schedule: sched, Targets: fakeTargets(1)}}, []int{0}, 0, 1, 0)
	d.maxWait = 20 * time.Millisecond
	d.start(began)
	s, _ = d.claim(began.Add(100 * time.Millisecond)) // slots due at or before 80 ms waited too long
	if s.n != 80 || d.srcs[0].dropped != 80 {
		t.Fatalf("claimed slot %d, dropped %d; want slot 80 after dropping 80", s.n, d.srcs[0].dropped)
	}
}

// TestLateClaimDropsOnlySlotsWithinTheHorizon: a generator starved past
// the end of the duration (its first claims come seconds late) drops the
// slots that waited too long, but never more than the schedule had:
// sent + dropped is at most the slots due within the horizon. (A 1 s run
// at 1000/s once reported 1,034 missed of its 1,000 slots.)
func TestLateClaimDropsOnlySlotsWithinTheHorizon(t *testing.T) {
	sched := Constant{Freq: 1000, Per: time.Second} // slot n due at n+1 ms
	const horizon = 100 * time.Millisecond          // slots 0..99
	began := time.Unix(3000, 0)
	late := began.Add(5 * time.Second)
	for _, tc := range []struct {
		name string
		edit func(*dispenser)
	}{
		{"max waiting", func(d *dispenser) { d.maxWaiting = 10 }},
		{"max wait", func(d *dispenser) { d.maxWait = 20 * time.Millisecond }},
		{"both", func(d *dispenser) { d.maxWaiting, d.maxWait = 10, 20*time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDispenser([]Scenario{{Schedule: sched, Targets: fakeTargets(1)}}, []int{0}, 0, 1, horizon)
			tc.edit(d)
			d.start(began)
			claimed := uint64(0)
			for {
				s, ok := d.claim(late)
				if !ok {
					break
				}
				if s.n >= 100 {
					t.Fatalf("claimed slot %d, past the horizon", s.n)
				}
				claimed++
			}
			if w := d.waiting(late); w != 0 {
				t.Errorf("%d slots waiting after all were claimed or dropped", w)
			}
			if got := claimed + d.srcs[0].dropped; got != 100 {
				t.Errorf("claimed %d + dropped %d = %d, want the horizon's 100 slots", claimed, d.srcs[0].dropped, got)
			}
		})
	}
}
