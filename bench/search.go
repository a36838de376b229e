package main

import (
	"fmt"
	"os"
	"time"
)

// Sustainable: a 10 s attack keeps its schedule (requests within 1 % of
// rate x duration, dispatch lag p99 under 1 ms) and intended-time p99
// stays under 10 ms.
const (
	maxShortfall = 0.01
	maxLagP99    = time.Millisecond
	maxLatP99    = 10 * time.Millisecond
)

// sustained checks the full criterion; relaxed drops the dispatch-lag
// bound (which coarse, timer-paced tools miss by design at any rate on an
// idle box) and keeps the count and the intended-time p99.
func sustained(r result, rate int, d time.Duration) (strict, relaxed bool, why string) {
	want := float64(rate) * d.Seconds()
	switch {
	case float64(r.requests) < (1-maxShortfall)*want:
		return false, false, fmt.Sprintf("sent %d of %.0f", r.requests, want)
	case r.latP99 >= maxLatP99:
		return false, false, "p99 " + dur(r.latP99)
	case r.lagP99 >= maxLagP99:
		return false, true, "lag p99 " + dur(r.lagP99)
	}
	return true, true, "ok"
}

// search walks up c.steps for each open-loop tool, alternating tools at
// each step, until a tool fails even the relaxed criterion; each step gets
// up to c.attempts tries.
func search(c config, url string) error {
	tools := []string{"loadgen", "loadgen-coarse", "vegeta"}
	strict, relaxed := map[string]int{}, map[string]int{}
	done := map[string]bool{}
	fmt.Printf("== sustainable rate (%s attacks; strict: requests within 1%%, lag p99 < 1ms, p99 < 10ms; relaxed: without the lag bound; best of %d attempts per step)\n", c.duration, c.attempts)
	for _, rate := range c.steps {
		for _, tool := range tools {
			if done[tool] {
				continue
			}
			var okStrict, okRelaxed bool
			for a := 0; a < c.attempts && !okStrict; a++ {
				fmt.Fprintf(os.Stderr, "search %s at %d (attempt %d)\n", tool, rate, a+1)
				r, err := runTool(c, tool, url, rate, c.duration)
				if err != nil {
					return err
				}
				s, rl, why := sustained(r, rate, c.duration)
				okStrict, okRelaxed = okStrict || s, okRelaxed || rl
				fmt.Printf("  %-16s %6d/s  sent %7d  lag p99 %9s  p99 %9s  CPU/req %8s  %s\n", tool, rate, r.requests, dur(r.lagP99), dur(r.latP99), dur(r.cpuPerReq()), why)
				time.Sleep(time.Second)
			}
			if okStrict {
				strict[tool] = rate
			}
			if okRelaxed {
				relaxed[tool] = rate
			} else {
				done[tool] = true
			}
		}
	}
	fmt.Println()
	show := func(best map[string]int, tool string) string {
		if best[tool] == 0 {
			return "none"
		}
		if v := best["vegeta"]; v > 0 {
			return fmt.Sprintf("%d/s (%.1fx vegeta)", best[tool], float64(best[tool])/float64(v))
		}
		return fmt.Sprintf("%d/s", best[tool])
	}
	for _, tool := range tools {
		fmt.Printf("  %-16s strict %-24s relaxed %s\n", tool, show(strict, tool), show(relaxed, tool))
	}
	return nil
}
