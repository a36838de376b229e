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

func sustained(r result, rate int, d time.Duration) (bool, string) {
	want := float64(rate) * d.Seconds()
	switch {
	case float64(r.requests) < (1-maxShortfall)*want:
		return false, fmt.Sprintf("sent %d of %.0f", r.requests, want)
	case r.lagP99 >= maxLagP99:
		return false, "lag p99 " + dur(r.lagP99)
	case r.latP99 >= maxLatP99:
		return false, "p99 " + dur(r.latP99)
	}
	return true, "ok"
}

// search walks up c.steps for each open-loop tool, alternating tools at
// each step, until a tool fails a step; each step gets c.attempts tries.
func search(c config, url string) error {
	tools := []string{"loadgen", "loadgen-precise", "vegeta"}
	best := map[string]int{}
	done := map[string]bool{}
	fmt.Printf("== sustainable rate (%s attacks: requests within 1%%, lag p99 < 1ms, p99 < 10ms; best of %d attempts per step)\n", c.duration, c.attempts)
	for _, rate := range c.steps {
		for _, tool := range tools {
			if done[tool] {
				continue
			}
			pass := false
			var why string
			for a := 0; a < c.attempts && !pass; a++ {
				fmt.Fprintf(os.Stderr, "search %s at %d (attempt %d)\n", tool, rate, a+1)
				r, err := runTool(c, tool, url, rate, c.duration)
				if err != nil {
					return err
				}
				pass, why = sustained(r, rate, c.duration)
				fmt.Printf("  %-16s %6d/s  sent %7d  lag p99 %9s  p99 %9s  CPU/req %8s  %s\n", tool, rate, r.requests, dur(r.lagP99), dur(r.latP99), dur(r.cpuPerReq()), why)
				time.Sleep(time.Second)
			}
			if pass {
				best[tool] = rate
			} else {
				done[tool] = true
			}
		}
	}
	fmt.Println()
	for _, tool := range tools {
		if best[tool] == 0 {
			fmt.Printf("  %-16s sustains none of the steps\n", tool)
			continue
		}
		ratio := ""
		if v := best["vegeta"]; v > 0 {
			ratio = fmt.Sprintf("  (%.1fx vegeta)", float64(best[tool])/float64(v))
		}
		fmt.Printf("  %-16s sustains %d/s%s\n", tool, best[tool], ratio)
	}
	return nil
}
