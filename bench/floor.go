package main

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
)

// The floor: how late a thread that does nothing but sleep to each slot's
// due time wakes up on this box, alone and while loadgen attacks nginx at
// the same rate, next to loadgen's own dispatch lag. A VM's wake-ups are
// late by its host's scheduling, which no generator can undo: where
// loadgen's lag matches the sleeper's, its lag is the box's, not its own.
// cyclictest (Debian's rt-tests) measures the same, but is not in every
// image; this is its SCHED_OTHER, one-thread case, built in.

// floorSettle: the sleeper beside an attack starts this long after it and
// stops this long before its end, so it sees the attack's steady state.
const floorSettle = 500 * time.Millisecond

// besideGap: beside an attack, the sleeper wakes at the slots' gap or
// every millisecond, whichever is longer: at 20,000/s, a wake-up every
// 50 µs of its own would load the box it measures (it doubled loadgen's
// lag p99 in a trial).
const besideGap = time.Millisecond

// lagLimits are the lateness thresholds the floor reports the share over.
var lagLimits = []time.Duration{200 * time.Microsecond, time.Millisecond}

// wakeStats summarises wake-up (or dispatch) lateness.
type wakeStats struct {
	n        int64
	p50, p99 time.Duration
	over     []float64 // share of samples over each of lagLimits
}

func statsOf(late []time.Duration) wakeStats {
	if len(late) == 0 {
		return wakeStats{over: make([]float64, len(lagLimits))}
	}
	s := make([]int64, len(late))
	for i, l := range late {
		s[i] = int64(l)
	}
	st := wakeStats{n: int64(len(s)), p50: pct(s, 50), p99: pct(s, 99)} // pct sorts s
	for _, lim := range lagLimits {
		i, _ := slices.BinarySearch(s, int64(lim)+1)
		st.over = append(st.over, float64(len(s)-i)/float64(len(s)))
	}
	return st
}

// lagStats reads loadgen's dispatch lag from a run record: the lag
// histograms of its latency.hlog, merged over the run (report.Load).
func lagStats(dir string) (wakeStats, error) {
	rep, err := report.Load(dir)
	if err != nil {
		return wakeStats{}, fmt.Errorf("loadgen run record: %w", err)
	}
	h := rep.Lag
	if h == nil || h.TotalCount() == 0 {
		return wakeStats{}, fmt.Errorf("%s: no dispatch lag recorded", dir)
	}
	st := wakeStats{n: h.TotalCount(), p50: time.Duration(h.ValueAtQuantile(50)), p99: time.Duration(h.ValueAtQuantile(99))}
	for _, lim := range lagLimits {
		var over int64
		for _, b := range h.Distribution() {
			if b.From > int64(lim) {
				over += b.Count
			}
		}
		st.over = append(st.over, float64(over)/float64(h.TotalCount()))
	}
	return st, nil
}

// floorBench measures, per rate and round: the sleeper on the box as it
// is, loadgen's attack with the sleeper running beside it, and loadgen's
// dispatch lag in that attack.
func floorBench(c config, url string) error {
	if c.duration < 4*floorSettle {
		return fmt.Errorf("-floor needs a -duration of at least %s", 4*floorSettle)
	}
	fmt.Printf("== the floor: how late a thread that only sleeps to a due time wakes (clock_nanosleep, SCHED_OTHER, no timer slack): alone at the slots' gap, and beside loadgen's attack on nginx at the gap or every %s, whichever is longer; then loadgen's dispatch lag in that attack. %s each, %d rounds\n", besideGap, c.duration, c.rounds)
	const row = "%6v %-40s %9v %9v %9v %9v\n"
	fmt.Printf(row, "rate", "", "p50", "p99", ">200µs", ">1ms")
	out := func(rate int, who string, st wakeStats) {
		fmt.Printf(row, rate, who, dur(st.p50), dur(st.p99), share(st.over[0]), share(st.over[1]))
	}
	for _, rate := range c.rates {
		gap := time.Second / time.Duration(rate)
		for round := 1; round <= c.rounds; round++ {
			fmt.Fprintf(os.Stderr, "floor at %d/s, round %d/%d\n", rate, round, c.rounds)
			alone, err := sleeper(gap, c.duration)
			if err != nil {
				return err
			}
			out(rate, "sleeper, box idle", statsOf(alone))
			// The sleeper runs inside the attack, after its start-up.
			type slept struct {
				late []time.Duration
				err  error
			}
			ch := make(chan slept, 1)
			go func() {
				time.Sleep(floorSettle)
				late, err := sleeper(max(gap, besideGap), c.duration-2*floorSettle)
				ch <- slept{late, err}
			}()
			var lag wakeStats
			_, err = runLoadgenThen(c, "loadgen", url, rate, c.duration, func(dir string, _ *result) (err error) {
				lag, err = lagStats(dir)
				return err
			})
			during := <-ch
			if err == nil {
				err = during.err
			}
			if err != nil {
				return err
			}
			out(rate, "sleeper, while loadgen attacks nginx", statsOf(during.late))
			out(rate, "loadgen dispatch lag", lag)
		}
	}
	fmt.Println()
	return nil
}

func share(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }
