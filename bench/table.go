package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"
)

// table runs every tool at rate for c.rounds rounds, alternating tools
// within each round so drift on a shared box hits all of them alike, and
// returns per-tool medians.
func table(c config, url string, rate int) ([]result, error) {
	runs := map[string][]result{}
	for round := 1; round <= c.rounds; round++ {
		for _, tool := range c.tools {
			fmt.Fprintf(os.Stderr, "rate %d round %d/%d: %s\n", rate, round, c.rounds, tool)
			r, err := runTool(c, tool, url, rate, c.duration)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(os.Stderr, "  %s: %.0f/s, CPU/req %s, peak RSS %.0f MiB", tool, r.achieved, dur(r.cpuPerReq()), float64(r.rss)/(1<<20))
			if r.share > 0 {
				fmt.Fprintf(os.Stderr, ", tracing and live metrics %.1f%% of its CPU profile", 100*r.share)
			}
			fmt.Fprintln(os.Stderr)
			runs[tool] = append(runs[tool], r)
			time.Sleep(time.Second) // let TIME_WAIT and the target settle
		}
	}
	var out []result
	for _, tool := range c.tools {
		out = append(out, median(runs[tool]))
	}
	pairedRatios(os.Stdout, c.tools, runs)
	return out, nil
}

// pairedRatios prints, per tool, the median over rounds of its CPU/req
// divided by loadgen's in the same round: on a shared box, drift between
// rounds cancels out of a ratio taken side by side.
func pairedRatios(w io.Writer, tools []string, runs map[string][]result) {
	base := runs["loadgen"]
	if len(base) == 0 {
		return
	}
	for _, tool := range tools {
		if tool == "loadgen" || len(runs[tool]) != len(base) {
			continue
		}
		var rs []float64
		for i, r := range runs[tool] {
			if b := base[i].cpuPerReq(); b > 0 {
				rs = append(rs, float64(r.cpuPerReq())/float64(b))
			}
		}
		if len(rs) == 0 {
			continue
		}
		slices.Sort(rs)
		fmt.Fprintf(w, "paired CPU/req %s / loadgen, round by round: median %.2fx (rounds: %.2f .. %.2f)\n", tool, rs[len(rs)/2], rs[0], rs[len(rs)-1])
		var shares []float64
		for _, r := range runs[tool] {
			if r.share > 0 {
				shares = append(shares, 100*r.share)
			}
		}
		if len(shares) > 0 {
			slices.Sort(shares)
			fmt.Fprintf(w, "%s: tracing and live metrics code, share of its own CPU profile: median %.1f%% (rounds: %.1f .. %.1f)\n",
				tool, shares[len(shares)/2], shares[0], shares[len(shares)-1])
		}
	}
}

// median takes each figure's median over the rounds independently.
func median(rs []result) result {
	m := rs[0]
	pick := func(get func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	m.requests = uint64(pick(func(r result) float64 { return float64(r.requests) }))
	m.achieved = pick(func(r result) float64 { return r.achieved })
	m.cpu = time.Duration(pick(func(r result) float64 { return float64(r.cpuPerReq()) })) * time.Duration(m.requests)
	m.rss = uint64(pick(func(r result) float64 { return float64(r.rss) }))
	m.lagP50 = time.Duration(pick(func(r result) float64 { return float64(r.lagP50) }))
	m.lagP99 = time.Duration(pick(func(r result) float64 { return float64(r.lagP99) }))
	m.latP50 = time.Duration(pick(func(r result) float64 { return float64(r.latP50) }))
	m.latP99 = time.Duration(pick(func(r result) float64 { return float64(r.latP99) }))
	m.conns = int(pick(func(r result) float64 { return float64(r.conns) }))
	return m
}

func printTable(w io.Writer, rate int, rows []result) {
	var base result
	for _, r := range rows {
		if r.tool == "loadgen" {
			base = r
		}
	}
	fmt.Fprintf(w, "== %d req/s (wrk: closed loop at its own maximum, 1 thread, 10 connections)\n", rate)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\tachieved/s\tCPU/req\tCPU/req vs loadgen\tCPU %\tlag p50\tlag p99\tlat p50\tlat p99\tpeak conns\tpeak RSS\t")
	for _, r := range rows {
		ratio := "-"
		if base.requests > 0 && r.requests > 0 {
			ratio = fmt.Sprintf("%.2fx", float64(r.cpuPerReq())/float64(base.cpuPerReq()))
		}
		lag50, lag99 := dur(r.lagP50), dur(r.lagP99)
		if r.noLag {
			lag50, lag99 = "n/a", "n/a"
		}
		lat := ""
		if r.closed {
			lat = " (service)"
		}
		cpuPct := 100 * r.cpu.Seconds() / r.attackDur.Seconds()
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%.0f%%\t%s\t%s\t%s%s\t%s%s\t%d\t%.0f MiB\t\n", r.tool, r.achieved, dur(r.cpuPerReq()), ratio, cpuPct, lag50, lag99, dur(r.latP50), lat, dur(r.latP99), lat, r.conns, float64(r.rss)/(1<<20))
	}
	tw.Flush()
	fmt.Fprintln(w)
}

func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1fµs", float64(d)/1e3)
}
