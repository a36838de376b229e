package main

import (
	"fmt"
	"os"
	"text/tabwriter"
	"time"
)

// The scale criterion of the sweep: every slot sent (within 0.5 %) and
// intended-time p99 under 10 ms.
const sweepShortfall = 0.005

// sweep runs each tool at each rate in ascending order, alternating tools
// at each rate, one attack each, and drops a tool after its first rate
// that fails the criterion: 100 -> the highest rate each sustains.
func sweep(c config, url string) error {
	fmt.Printf("== rate sweep (%s attacks, default flags; sustained: requests within 0.5%% of rate x duration and intended-time p99 < 10ms)\n", c.duration)
	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rate\ttool\tsent\tCPU/req\tlag p50\tlag p99\tlat p99\tpeak conns\tpeak RSS\tverdict\t")
	out := func(r result, verdict string) {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.0f MiB\t%s\t\n", r.rate, r.tool, r.requests, dur(r.cpuPerReq()), dur(r.lagP50), dur(r.lagP99), dur(r.latP99), r.conns, float64(r.rss)/(1<<20), verdict)
		tw.Flush()
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
				verdict = fmt.Sprintf("sent %d of %.0f", r.requests, want)
			case r.latP99 >= maxLatP99:
				verdict = "p99 " + dur(r.latP99)
			}
			if verdict == "ok" {
				best[tool] = rate
			} else {
				done[tool] = true
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
