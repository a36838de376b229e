package main

import (
	"fmt"
	"time"
)

// memoryRuns checks that memory does not grow with run length: per tool,
// one long attack, then three of the usual length, at the first rate, and
// the peak RSS of each with the long one's ratio to the largest short one.
func memoryRuns(c config, url string) error {
	rate := c.rates[0]
	fmt.Printf("== memory at %d req/s: one %s attack, then 3 of %s\n", rate, c.memory, c.duration)
	for _, tool := range c.tools {
		fmt.Printf("%s: %s attack...\n", tool, c.memory)
		long, err := runTool(c, tool, url, rate, c.memory)
		if err != nil {
			return err
		}
		var short []result
		for i := range 3 {
			fmt.Printf("%s: %s attack %d/3...\n", tool, c.duration, i+1)
			r, err := runTool(c, tool, url, rate, c.duration)
			if err != nil {
				return err
			}
			short = append(short, r)
		}
		peak := uint64(0)
		for _, r := range short {
			peak = max(peak, r.rss)
		}
		fmt.Printf("%-16s %8s  requests %9d  peak RSS %6.1f MiB  CPU/req %6.1fµs\n", tool, c.memory, long.requests, mib(long.rss), us(long.cpuPerReq()))
		for _, r := range short {
			fmt.Printf("%-16s %8s  requests %9d  peak RSS %6.1f MiB  CPU/req %6.1fµs\n", tool, c.duration, r.requests, mib(r.rss), us(r.cpuPerReq()))
		}
		fmt.Printf("%-16s ratio long/short peak RSS: %.2fx\n\n", tool, float64(long.rss)/float64(peak))
	}
	return nil
}

func mib(b uint64) float64       { return float64(b) / (1 << 20) }
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
