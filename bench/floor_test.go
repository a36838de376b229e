package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

func TestStatsOf(t *testing.T) {
	var late []time.Duration
	for i := range 1000 { // 1 µs .. 1 ms
		late = append(late, time.Duration(i+1)*time.Microsecond)
	}
	st := statsOf(late)
	if st.n != 1000 || st.p50 != 500*time.Microsecond || st.p99 != 990*time.Microsecond {
		t.Errorf("n %d, p50 %s, p99 %s; want 1000, 500µs, 990µs", st.n, st.p50, st.p99)
	}
	if st.over[0] != 0.8 || st.over[1] != 0 {
		t.Errorf("shares over 200µs and 1ms: %v, want [0.8 0]", st.over)
	}
	if st := statsOf(nil); st.n != 0 || len(st.over) != len(lagLimits) {
		t.Errorf("no samples: %+v", st)
	}
}

// TestLagStats reads the dispatch lag of a run record's latency.hlog over
// its intervals, and nothing else of it.
func TestLagStats(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "latency.hlog"))
	if err != nil {
		t.Fatal(err)
	}
	w := runrecord.NewHlogWriter(f, "test")
	if err := w.WriteHeader(0); err != nil {
		t.Fatal(err)
	}
	for iv := range int64(2) {
		s := runrecord.NewSeries(int64(time.Minute))
		for i := range 100 {
			// Interval 0: lags of 10 µs; interval 1: 1.5 ms for 3 of 100.
			lag := 10 * time.Microsecond
			if iv == 1 && i < 3 {
				lag = 1500 * time.Microsecond
			}
			runrecord.RecordClamped(s.Lag, lag)
			runrecord.RecordClamped(s.Latency, time.Second) // not lag: ignored
		}
		if err := w.WriteInterval(iv*1000, iv*1000+1000, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := lagStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.n != 200 || st.over[0] != 0.015 || st.over[1] != 0.015 {
		t.Errorf("n %d, over %v; want 200 and 1.5 %% over both limits", st.n, st.over)
	}
	if st.p99 < 1400*time.Microsecond || st.p50 > 11*time.Microsecond {
		t.Errorf("p50 %s, p99 %s; want 10µs and 1.5ms", st.p50, st.p99)
	}
	if _, err := lagStats(t.TempDir()); err == nil {
		t.Error("a directory without latency.hlog: no error")
	}
}

// TestSleeperNeverWakesEarly: an absolute sleep ends at its due time or
// after it, whatever the box's load; the count is exact.
func TestSleeperNeverWakesEarly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the sleeper needs Linux")
	}
	late, err := sleeper(time.Millisecond, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(late) != 50 {
		t.Fatalf("%d wake-ups, want 50", len(late))
	}
	for i, l := range late {
		if l < 0 {
			t.Errorf("wake-up %d was %s early", i, -l)
		}
	}
}
