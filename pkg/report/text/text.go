package text

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Write writes a summary that reads like vegeta's text report.
func Write(w io.Writer, s runrecord.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	p("Requests\t[total, rate, throughput]\t%d, %.2f/s, %.2f/s\n", s.Requests, s.Rate, s.Throughput)
	p("Duration\t[attack, wait]\t%s, %s\n", Round(s.Duration), Round(s.Wait))
	l := s.Latency
	p("Latency\t[min, mean, 50, 90, 95, 99, 99.9, max]\t%s\n", durs(l.Min, l.Mean, l.P50, l.P90, l.P95, l.P99, l.P999, l.Max))
	v := s.ServiceLatency
	p("Service\t[min, mean, 50, 90, 95, 99, 99.9, max]\t%s\n", durs(v.Min, v.Mean, v.P50, v.P90, v.P95, v.P99, v.P999, v.Max))
	if s.DispatchLag.NotApplicable {
		p("Dispatch lag\t[50, 99, max]\tn/a (rate 0: no schedule, each request leaves when a worker is free)\n")
	} else {
		p("Dispatch lag\t[50, 99, max]\t%s\n", durs(s.DispatchLag.P50, s.DispatchLag.P99, s.DispatchLag.Max))
	}
	p("Missed\t[slots due, never sent]\t%d\n", s.Missed)
	if t := s.Stream; t != nil {
		p("Targets\t[read lazily, late]\t%d from %s, %d due before read\n", t.Read, t.Source, t.Late)
		switch t.Ended {
		case "":
		case runrecord.StreamEnded:
			p("Ended\t[early]\tthe targets ran out after %d: the attack ends with its targets\n", t.Read)
		default:
			p("Ended\t[early]\ta bad target: %s\n", t.Ended)
		}
	}
	if s.Retries > 0 {
		p("Retries\t[sent again, new connection]\t%d\n", s.Retries)
	}
	p("Bytes In\t[total, mean]\t%d, %.2f\n", s.BytesIn, mean(s.BytesIn, s.Requests))
	p("Bytes Out\t[total, mean]\t%d, %.2f\n", s.BytesOut, mean(s.BytesOut, s.Requests))
	p("Success\t[ratio]\t%.2f%%\n", s.SuccessRatio*100)
	p("Status Codes\t[code:count]\t%s\n", codes(s.StatusCodes))
	generatorLine(p, s.Generator)
	if t := s.Target; t != nil {
		p("Target CPU\t[mean, max]\t%.1f%%, %.1f%%\n", t.CPUPercent.Mean, t.CPUPercent.Max)
		p("Target RSS\t[mean, max]\t%s, %s\n", Bytes(t.RSSBytes.Mean), Bytes(t.RSSBytes.Max))
		// A non-Go target has no GC or goroutines to show, not zero of them.
		if t.GCPause.Count > 0 || t.Goroutines.Max > 0 {
			p("Target GC\t[pauses, p99, max]\t%d, %s, %s\n", t.GCPause.Count, Round(t.GCPause.P99), Round(t.GCPause.Max))
			p("Goroutines\t[max]\t%.0f\n", t.Goroutines.Max)
		}
		if b := t.Baseline; b != nil {
			p("Target idle\t[cpu, rss]\t%.1f%%, %s\n", b.CPUPercent, Bytes(b.RSSBytes))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Error Set:")
	for _, e := range s.Errors {
		fmt.Fprintf(w, "%s (x%d)\n", e.Message, e.Count)
	}
	if err := writeScenarios(w, s); err != nil {
		return err
	}
	if err := writeGroups(w, s); err != nil {
		return err
	}
	if report.Diverged(s) {
		fmt.Fprintf(w, "Note: latency from the intended send time (p99 %s) is well above service latency (p99 %s):\n"+
			"      requests waited before they were sent (dispatch lag p99 %s, missed %d); the generator or the target fell behind.\n",
			Round(s.Latency.P99), Round(s.ServiceLatency.P99), Round(s.DispatchLag.P99), s.Missed)
	}
	generatorWarnings(w, s.Generator)
	if t := s.Target; t != nil {
		for _, warn := range t.Warnings {
			fmt.Fprintf(w, "Warning: %s\n", warn)
		}
		if n := ProfilingOffNote(t.ProfilingOff); n != "" {
			fmt.Fprintf(w, "Note: %s\n", n)
		}
	}
	if slo := s.SLO; slo != nil {
		verdict := "PASS"
		if !slo.Pass {
			verdict = "FAIL"
		}
		if slo.Partial {
			verdict += " (partial: " + slo.Note + ")"
		}
		fmt.Fprintf(w, "SLO: %s\n", verdict)
		for _, c := range slo.Checks {
			mark := "ok  "
			if !c.Pass {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "  %s %s (%s)\n", mark, c.Expr, SLOMeasured(c))
		}
	}
	if s.Capacity != nil {
		return WriteCapacity(w, s.Capacity)
	}
	return writeExemplars(w, s.Exemplars)
}

func mean(total, n uint64) float64 {
	if n == 0 {
		return 0
	}
	return float64(total) / float64(n)
}

// Round shortens a duration for reading, keeping 3-4 significant digits.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	case d >= 10*time.Microsecond:
		return d.Round(10 * time.Nanosecond)
	}
	return d
}

func durs(ds ...time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = Round(d).String()
	}
	return strings.Join(parts, ", ")
}

func codes(m map[string]uint64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s:%d", k, m[k])
	}
	return strings.Join(parts, "  ")
}

// Bytes formats a byte count with binary units (KiB, MiB, ...).
func Bytes(b float64) string {
	const unit = 1024.0
	if b < unit {
		return fmt.Sprintf("%.0f B", b)
	}
	div, exp := unit, 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", b/div, "KMGTPE"[exp])
}

// SLOMeasured says what an SLO check measured, with its unit, or why it
// could not be measured.
func SLOMeasured(c runrecord.SLOCheck) string {
	if c.Note != "" {
		return "not measured: " + c.Note
	}
	return "measured " + strconv.FormatFloat(c.Value, 'g', 6, 64) + c.Unit
}

// enableCall is the Go call that switches a profile on in the target.
var enableCall = map[string]string{
	"mutex": "runtime.SetMutexProfileFraction(5)",
	"block": "runtime.SetBlockProfileRate(10000)",
}

// ProfilingOffNote says, in one line, which profiles the target returned
// empty and how to turn them on; "" when none. An empty mutex or block
// profile is one whose profiling is off (Go's default), or one taken while
// nothing contended: the profile alone cannot tell which, so the note
// says both.
func ProfilingOffNote(off []string) string {
	if len(off) == 0 {
		return ""
	}
	var calls []string
	for _, p := range off {
		if c := enableCall[p]; c != "" {
			calls = append(calls, c)
		}
	}
	profiles, their, it := "profile is", "its", "it"
	if len(off) > 1 {
		profiles, their, it = "profiles are", "their", "them"
	}
	s := fmt.Sprintf("the target's %s %s empty: %s profiling is off (Go's default), or nothing contended", strings.Join(off, " and "), profiles, their)
	if len(calls) > 0 {
		s += "; to switch " + it + " on, call " + strings.Join(calls, " and ") + " in the target"
	}
	return s
}

// WriteHistogram writes bucket counts in `vegeta report -type hist[...]`'s
// layout, so scripts that read vegeta's histogram read this one.
func WriteHistogram(w io.Writer, bounds []time.Duration, counts []uint64) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.StripEscape)
	fmt.Fprintf(tw, "Bucket\t\t#\t%%\tHistogram\n")
	var total uint64
	for _, c := range counts {
		total += c
	}
	for i, c := range counts {
		ratio := 0.0
		if total > 0 {
			ratio = float64(c) / float64(total)
		}
		hi := "+Inf"
		if i+1 < len(bounds) {
			hi = bounds[i+1].String()
		}
		fmt.Fprintf(tw, "[%s,\t%s]\t%d\t%.2f%%\t%s\n", bounds[i], hi, c, ratio*100, strings.Repeat("#", int(ratio*75)))
	}
	return tw.Flush()
}
