package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/recording"
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

// TestLagStats reads the dispatch lag of a run record, written by the
// real recorder, over its intervals, and nothing else of it.
func TestLagStats(t *testing.T) {
	dir := t.TempDir()
	id := runrecord.NewRunID()
	rec, err := recording.New(dir, recording.Config{Interval: time.Second, Highest: time.Minute, RunID: id})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for iv := range 2 {
		for i := range 100 {
			// Interval 0: lags of 10 µs; interval 1: 1.5 ms for 3 of 100.
			lag := 10 * time.Microsecond
			if iv == 1 && i < 3 {
				lag = 1500 * time.Microsecond
			}
			intended := start.Add(time.Duration(iv)*time.Second + time.Duration(i)*10*time.Millisecond)
			sent := intended.Add(lag)
			rec.Record(&attack.Result{Seq: uint64(iv*100 + i), Intended: intended, Sent: sent, End: sent.Add(time.Second),
				Lag: lag, Service: time.Second, Latency: lag + time.Second, Code: 200}) // latency and service: not lag, ignored
		}
	}
	sum, err := rec.Close(attack.Outcome{Began: start, Ended: start.Add(3 * time.Second), Sending: 2 * time.Second, Sent: 200})
	if err != nil {
		t.Fatal(err)
	}
	run := &runrecord.Run{RunID: id, Kind: runrecord.KindAttack, Name: "lag", Start: start, End: start.Add(3 * time.Second),
		Interval: int64(time.Second), Summary: sum}
	run.Plan.Schedule = "constant 100/1s"
	run.Plan.Targets = []runrecord.PlanTarget{{Method: "GET", URL: "http://127.0.0.1:8080/"}}
	if err := runrecord.Seal(dir, run, rec.Files()...); err != nil {
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
		t.Error("a directory without a run record: no error")
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
