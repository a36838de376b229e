package main

import (
	"fmt"
	"os"
	"time"
)

// The scale criterion of the sweep: every slot sent (within 0.5 %) and
// intended-time p99 under 10 ms.
const sweepShortfall = 0.005

// sweep runs each tool at each rate in ascending order, alternating tools
// at each rate, one attack each, and drops a tool after its first rate
// where it did not send every slot: 100 -> the highest rate each sustains
// (the highest that met the whole criterion is reported).
func sweep(c config, url string) error {
	fmt.Printf("== rate sweep (%s attacks, default flags; sustained: requests within 0.5%% of rate x duration and intended-time p99 < 10ms)\n", c.duration)
	const row = "%6v %-10s %8v %9v %9v %9v %9v %6v %8v  %s\n"
	fmt.Printf(row, "rate", "tool", "sent", "CPU/req", "lag p50", "lag p99", "lat p99", "conns", "peak RSS", "verdict")
	out := func(r result, verdict string) {
		fmt.Printf(row, r.rate, r.tool, r.requests, dur(r.cpuPerReq()), dur(r.lagP50), dur(r.lagP99), dur(r.latP99), r.conns, fmt.Sprintf("%.0f MiB", float64(r.rss)/(1<<20)), verdict)
	}
	best := map[string]int{}
	done := map[string]bool{}
	for _, rate := range c.sweepRates {
		for _, tool := range c.sweepTools {
			if done[tool] {
				continue
			}
			fmt.Fprintf(os.Stderr, "sweep %s at %d/s\n", tool, rate)
			r, err := runTool(c, tool, url, rate, c.duration)
			if err != nil {
				return err
			}
			want := float64(rate) * c.duration.Seconds()
			verdict := "ok"
			switch {
			case float64(r.requests) < (1-sweepShortfall)*want:
				// The schedule collapsed: higher rates only collapse more.
				verdict = fmt.Sprintf("sent %d of %.0f", r.requests, want)
				done[tool] = true
			case r.latP99 >= maxLatP99:
				verdict = "p99 " + dur(r.latP99) // a busy moment may pass: go on
			}
			if verdict == "ok" {
				best[tool] = rate
			}
			out(r, verdict)
			time.Sleep(time.Second)
		}
	}
	fmt.Println()
	for _, tool := range c.sweepTools {
		fmt.Printf("  %-16s highest sustained rate: %d/s\n", tool, best[tool])
	}
	fmt.Println()
	return nil
}
