// Package historytext renders the run history as text: a table of runs,
// then the shifts that package history found in each metric's level.
//
//	runs, _ := db.List(ctx, history.Filter{Name: "checkout"})
//	historytext.Write(os.Stdout, runs, history.Trends(runs, history.TrendOptions{}))
package historytext

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/loadgen/loadgen/pkg/changepoint"
	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
)

// Write writes the runs (oldest first) as a table, then, for each name,
// the shifts of its trends, or that there were none.
func Write(w io.Writer, runs []history.Run, trends []history.Trend) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "No runs in the history match.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "start (UTC)\tname\tkind\tlabels\trequests\tthroughput\tp99\tsuccess\tSLO\trecord")
	for _, r := range runs {
		kind := r.Kind
		if r.Interrupted {
			kind += " (cut)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			r.Start.UTC().Format("2006-01-02 15:04:05"), r.Name, kind, Labels(r.Labels),
			value(r, "requests"), value(r, "throughput"), value(r, "latency.p99"), value(r, "success_ratio"),
			slo(r), r.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return WriteShifts(w, runs, trends)
}

// WriteShifts writes the shifts of every trend, grouped by name.
func WriteShifts(w io.Writer, runs []history.Run, trends []history.Trend) error {
	count := map[string]int{}
	for _, r := range runs {
		if !r.Interrupted {
			count[history.GroupName(r.Name, r.Kind)]++
		}
	}
	byName := map[string][]history.Trend{}
	for _, t := range trends {
		byName[t.Group()] = append(byName[t.Group()], t)
	}
	names := make([]string, 0, len(count))
	for n := range count {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("\nShifts (change points of each metric over the runs of a name):\n")
	for _, n := range names {
		found := 0
		for _, t := range byName[n] {
			for _, s := range t.Shifts {
				found++
				b.WriteString("  " + Shift(t, s) + "\n")
			}
		}
		if found == 0 {
			need := ""
			if count[n] < 2*changepoint.DefaultMinSize {
				need = fmt.Sprintf("; a shift needs %d runs at each level", changepoint.DefaultMinSize)
			}
			fmt.Fprintf(&b, "  %s: no shift in %d runs%s\n", n, count[n], need)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Shift says one shift in a line: which metric, which run, how much,
// and whether it is beyond the noise inside the runs.
func Shift(t history.Trend, s history.Shift) string {
	p := t.Points[s.Index]
	at := p.Start.UTC().Format("2006-01-02 15:04")
	if l := Labels(p.Labels); l != "" {
		at += ", " + l
	}
	before, after := s.Before, s.After
	line := fmt.Sprintf("%s: %s %s from the run of %s (%s): %s -> %s (%+.1f%%)",
		t.Group(), t.Metric.Label, s.Verdict, at, short(s.RunID),
		text.Value(t.Metric.Unit, &before), text.Value(t.Metric.Unit, &after), 100*s.Relative)
	switch {
	case s.Noise == nil:
		line += ", no per-run noise to judge it against"
	case s.BeyondNoise:
		line += ", beyond the noise (" + text.Noise(t.Metric.Unit, s.Noise) + ")"
	default:
		line += ", inside the noise (" + text.Noise(t.Metric.Unit, s.Noise) + ")"
	}
	return line
}

// Labels formats labels as k=v,k=v (sorted).
func Labels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + l[k]
	}
	return strings.Join(keys, ",")
}

func value(r history.Run, name string) string {
	v, ok := r.Metrics[name]
	m, _ := history.MetricByName(name)
	if !ok {
		return "-"
	}
	if m.Unit == report.UnitCount {
		return fmt.Sprintf("%.0f", v.V)
	}
	return text.Value(m.Unit, &v.V)
}

func slo(r history.Run) string {
	switch {
	case r.SLOPass == nil:
		return "-"
	case *r.SLOPass:
		return "pass"
	}
	return "FAIL"
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
