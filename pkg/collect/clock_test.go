package collect

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// modelSource is a target read from memory, on the synctest bubble's fake
// clock: its CPU time grows at idle percent of a core until attackAt and at
// busy percent after, and each reading takes `takes`. Its figures are
// exact, so the collector's rows and summary can be checked exactly.
type modelSource struct {
	origin, attackAt time.Time
	idle, busy       float64 // CPU percent
	takes            time.Duration
	beginLate        time.Duration // modelRun begins the attack this long after the baseline
	readings         atomic.Int32
}

func (m *modelSource) Name() string { return "model" }

func (m *modelSource) Sample(ctx context.Context, r *Reading) error {
	if m.takes > 0 {
		select {
		case <-time.After(m.takes):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.readings.Add(1)
	// The collector stamps a reading at the middle of its request.
	at := time.Now().Add(-m.takes / 2)
	r.CPUSeconds = f64(m.cpu(at))
	r.RSSBytes = f64(100 << 20)
	return nil
}

func (m *modelSource) cpu(at time.Time) float64 {
	if at.Before(m.attackAt) {
		return m.idle / 100 * at.Sub(m.origin).Seconds()
	}
	return m.idle/100*m.attackAt.Sub(m.origin).Seconds() + m.busy/100*at.Sub(m.attackAt).Seconds()
}

// modelRun collects from src around an attack of length attack, as the
// runner does, inside a synctest bubble (started on the interval grid),
// and returns the rows relative to Start in ms and the summary.
func modelRun(t *testing.T, cfg Config, src *modelSource, attack time.Duration) ([]runrecord.TargetSample, *runrecord.TargetSummary) {
	t.Helper()
	cfg = cfg.withDefaults()
	c := assemble(cfg, &warnings{}, []Source{src})
	dir := t.TempDir()
	ctx := context.Background()
	src.origin = time.Now()
	src.attackAt = src.origin.Add(cfg.Baseline + src.beginLate)
	c.Start(ctx, dir)
	c.WaitBaseline(ctx)
	time.Sleep(src.beginLate)
	c.Begin(attack)
	time.Sleep(attack)
	sum, err := c.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := runrecord.ReadTargetSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i].TimeMs -= src.origin.UnixMilli()
	}
	return rows, sum
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// Rows are labelled by when they were due, not by when the clock goroutine
// got to them. The clock tick due at the baseline's end fires at the same
// instant as the attack begins; whichever runs first, the tick is part of
// the baseline, and the attack's figures are the attack's alone. (Before
// this was fixed, a tick whose timer fired just before Begin but that was
// labelled after it made an attack row out of a baseline reading:
// "baseline row after attack rows", and idle CPU in the attack's mean.)
func TestRowsLabelledByDueTime(t *testing.T) {
	t.Parallel()
	for range 20 { // the scheduler picks the order afresh each time
		synctest.Test(t, func(t *testing.T) {
			src := &modelSource{idle: 10, busy: 60}
			cfg := Config{PID: 1, Interval: 500 * time.Millisecond, Baseline: time.Second}
			rows, sum := modelRun(t, cfg, src, 2*time.Second)
			var got []string
			for _, r := range rows {
				kind := "attack"
				if r.Baseline {
					kind = "baseline"
				}
				got = append(got, kind+"@"+time.Duration(r.TimeMs*1e6).String())
			}
			want := "baseline@0s baseline@500ms baseline@1s attack@1.5s attack@2s attack@2.5s attack@3s"
			if strings.Join(got, " ") != want {
				t.Fatalf("rows\n got %s\nwant %s", strings.Join(got, " "), want)
			}
			if !near(sum.CPUPercent.Mean, 60) || !near(sum.CPUPercent.Max, 60) || sum.Baseline == nil || !near(sum.Baseline.CPUPercent, 10) {
				t.Fatalf("cpu %+v, baseline %+v: want 60%% in the attack, 10%% before", sum.CPUPercent, sum.Baseline)
			}
			if len(sum.Warnings) != 0 {
				t.Fatalf("warnings %q", sum.Warnings)
			}
		})
	}
}

// The race itself: the clock goroutine wakes for the tick due at 1s only
// after the attack began at 1.05s (a busy machine). That tick's reading
// would be taken after Begin's, so it is dropped: Begin's reading stands
// for it, and no row stamped before the attack is an attack row.
func TestLateClockTickBeforeBegin(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &modelSource{idle: 10, busy: 60}
		cfg := Config{PID: 1, Interval: 500 * time.Millisecond, Baseline: time.Second}.withDefaults()
		c := assemble(cfg, &warnings{}, []Source{src})
		c.late = func(due time.Time) {
			if due.Sub(src.origin) == time.Second {
				time.Sleep(100 * time.Millisecond)
			}
		}
		dir := t.TempDir()
		src.origin = time.Now()
		src.attackAt = src.origin.Add(1050 * time.Millisecond)
		c.Start(t.Context(), dir)
		time.Sleep(1050 * time.Millisecond)
		c.Begin(2 * time.Second)
		time.Sleep(2 * time.Second)
		sum, err := c.Stop(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := runrecord.ReadTargetSamples(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			kind := "attack"
			if r.Baseline {
				kind = "baseline"
			}
			got = append(got, kind+"@"+time.Duration((r.TimeMs-src.origin.UnixMilli())*1e6).String())
		}
		want := "baseline@0s baseline@500ms baseline@1.05s attack@1.5s attack@2s attack@2.5s attack@3s attack@3.05s"
		if strings.Join(got, " ") != want {
			t.Errorf("rows\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		if !near(sum.CPUPercent.Mean, 60) || !near(sum.Baseline.CPUPercent, 10) {
			t.Errorf("cpu %+v, baseline %+v: want 60%% in the attack, 10%% before", sum.CPUPercent, sum.Baseline)
		}
	})
}

// A source slower than the interval skips clock ticks (and says so), but
// never the readings at the attack's start and end: those take the place
// of a clock tick still waiting, so the attack window is always bounded by
// readings of its own and its CPU figure is the attack's.
func TestSlowSourceKeepsBoundaryReadings(t *testing.T) {
	t.Parallel()
	for range 20 {
		synctest.Test(t, func(t *testing.T) {
			src := &modelSource{idle: 10, busy: 60, takes: 700 * time.Millisecond}
			cfg := Config{PID: 1, Interval: 500 * time.Millisecond, Baseline: time.Second}
			rows, sum := modelRun(t, cfg, src, 3*time.Second)
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%v@%s", r.Baseline, time.Duration(r.TimeMs*1e6)))
			}
			// Ticks at 0 (Start), 0.5, 1 (Begin's reading), 1.5, 2.5, 3
			// and 4 (Stop's): 2, 3 and 3.5 fall while the source is busy.
			want := "true@0s true@500ms true@1s false@1.5s false@2.5s false@3s false@4s"
			if strings.Join(got, " ") != want || src.readings.Load() != 7 {
				t.Fatalf("%d readings, rows\n got %s\nwant %s", src.readings.Load(), strings.Join(got, " "), want)
			}
			if !near(sum.CPUPercent.Mean, 60) {
				t.Errorf("attack cpu %+v, want 60%%", sum.CPUPercent)
			}
			for _, w := range sum.Warnings {
				if !strings.HasPrefix(w, "model: slower than the 500ms interval") {
					t.Errorf("warning %q", w)
				}
			}
		})
	}
}

// The attack begins 0.3 ms after a clock tick: both readings fall in one
// millisecond, the rows' resolution, and make one row (the earlier
// reading's), so the rows' times strictly increase. (Two rows with one
// time failed TestGoTargetSeparateAdmin on a busy CI box.)
func TestTicksInOneMillisecondMakeOneRow(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &modelSource{idle: 10, busy: 60, beginLate: 300 * time.Microsecond}
		rows, _ := modelRun(t, Config{PID: 1, Interval: 500 * time.Millisecond, Baseline: time.Second}, src, time.Second)
		var got []string
		for i, r := range rows {
			got = append(got, fmt.Sprint(r.TimeMs))
			if i > 0 && r.TimeMs <= rows[i-1].TimeMs {
				t.Errorf("rows %d and %d both at %d ms", i-1, i, r.TimeMs)
			}
		}
		if want := "0 500 1000 1500 2000"; strings.Join(got, " ") != want {
			t.Errorf("rows at %s ms, want %s", strings.Join(got, " "), want)
		}
	})
}
