package text

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// writeGroups writes the table of endpoint groups, slowest p99 first, so
// the endpoint that is slow is on the first line; then how targets were
// folded into groups, if they were.
func writeGroups(w io.Writer, s runrecord.Summary) error {
	if len(s.Groups) < 2 {
		if f := s.GroupFolding; f != nil {
			fmt.Fprintf(w, "Groups: %s\n", Folding(f))
		}
		return nil
	}
	fmt.Fprintf(w, "Groups (%d, slowest p99 first; latency from the intended send time):\n", len(s.Groups))
	gs := append([]runrecord.GroupSummary(nil), s.Groups...)
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Latency.P99 > gs[j].Latency.P99 })
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  group\trequests\trate\tsuccess\tp50\tp90\tp99\tmax\tservice p99\terrors")
	for _, g := range gs {
		fmt.Fprintf(tw, "  %s\t%d\t%.2f/s\t%.2f%%\t%s\t%s\t%s\t%s\t%s\t%s\n", g.Name, g.Requests, g.Rate, g.SuccessRatio*100,
			Round(g.Latency.P50), Round(g.Latency.P90), Round(g.Latency.P99), Round(g.Latency.Max), Round(g.ServiceLatency.P99), topError(g.Errors))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if f := s.GroupFolding; f != nil {
		fmt.Fprintf(w, "  %s\n", Folding(f))
	}
	return nil
}

// writeScenarios writes the table of a run's scenarios: each one's own
// schedule, what it sent and missed, and its requests' latency.
func writeScenarios(w io.Writer, s runrecord.Summary) error {
	if len(s.Scenarios) == 0 {
		return nil
	}
	fmt.Fprintf(w, "Scenarios (%d on one clock; latency from the intended send time):\n", len(s.Scenarios))
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  scenario\tschedule\tsent\tmissed\trate\tsuccess\tp50\tp90\tp99\tmax")
	for _, sc := range s.Scenarios {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%.2f/s\t%.2f%%\t%s\t%s\t%s\t%s\n", sc.Name, sc.Schedule, sc.Sent, sc.Missed, sc.Rate, sc.SuccessRatio*100,
			Round(sc.Latency.P50), Round(sc.Latency.P90), Round(sc.Latency.P99), Round(sc.Latency.Max))
	}
	return tw.Flush()
}

// writeGroupCompare writes the groups both sides have, one row each:
// p50, p99, throughput and success, base -> new and the verdict, worst
// first.
func writeGroupCompare(b *strings.Builder, c *report.Comparison) {
	if len(c.Groups) == 0 {
		return
	}
	b.WriteString("\nEndpoint groups (the same noise rule on each group's own requests; gate one with -fail-on worse:latency.p99{group=NAME}):\n")
	rows := [][]string{{"group", "p50 base -> new", "verdict", "p99 base -> new", "verdict", "throughput", "success"}}
	gs := append([]report.GroupComparison(nil), c.Groups...)
	rank := func(g report.GroupComparison) int {
		n := 0
		for _, m := range g.Metrics {
			if m.Verdict == report.VerdictWorse {
				n++
			}
		}
		return n
	}
	sort.SliceStable(gs, func(i, j int) bool { return rank(gs[i]) > rank(gs[j]) })
	for _, g := range gs {
		by := map[string]report.Metric{}
		for _, m := range g.Metrics {
			by[strings.SplitN(m.Name, "{", 2)[0]] = m
		}
		pair := func(name string) string {
			m := by[name]
			s := Value(m.Unit, m.Base) + " -> " + Value(m.Unit, m.New)
			if m.Ratio != nil {
				s += " (" + Ratio(m.Ratio) + ")"
			}
			return s
		}
		rows = append(rows, []string{g.Name, pair("latency.p50"), by["latency.p50"].Verdict, pair("latency.p99"), by["latency.p99"].Verdict,
			by["throughput"].Verdict, by["success_ratio"].Verdict})
	}
	writeTable(b, rows, 0)
	if n := len(c.New.Summary.Groups) - len(c.Groups); n > 0 {
		fmt.Fprintf(b, "(%d group(s) of the new run are not in the base run)\n", n)
	}
}

// Folding says in a line how targets were folded into groups.
func Folding(f *runrecord.GroupFolding) string {
	msg := fmt.Sprintf("%d distinct endpoints in %d group%s (limit %d)", f.Endpoints, f.Groups, plural(f.Groups), f.Max)
	if len(f.Folded) > 0 {
		msg += ", " + strings.Join(f.Folded, " and ") + " folded"
	}
	if f.Other > 0 {
		msg += fmt.Sprintf("; %d endpoints with the fewest targets are counted in %q", f.Other, runrecord.OtherGroup)
	}
	return msg
}

// topError is a group's most frequent error, shortened, and how many
// other kinds there were.
func topError(errs []runrecord.ErrorCount) string {
	if len(errs) == 0 {
		return "-"
	}
	m := errs[0].Message
	if len(m) > 40 {
		m = m[:37] + "..."
	}
	s := fmt.Sprintf("%s (x%d)", m, errs[0].Count)
	if len(errs) > 1 {
		s += fmt.Sprintf(" +%d more", len(errs)-1)
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
