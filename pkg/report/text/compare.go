package text

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loadgen/loadgen/pkg/report"
)

// WriteCompare writes the comparison as the table an engineer pastes
// into a design review: one row per metric with base, new, change, ratio,
// the noise band and a verdict, then the CPU functions whose share changed.
func WriteCompare(w io.Writer, c *report.Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base: %s\nnew:  %s\n\n", Side(c.BaseDirs, c.Base), Side(c.NewDirs, c.New))
	rows := [][]string{{"metric", "base", "new", "change", "ratio", "noise", "verdict"}}
	for _, m := range c.Metrics {
		rows = append(rows, []string{m.Label, Value(m.Unit, m.Base), Value(m.Unit, m.New),
			Change(m.Unit, m.Change), Ratio(m.Ratio), Noise(m.Unit, m.Noise), m.Verdict})
	}
	writeTable(&b, rows, 6)
	writeGroupCompare(&b, c)
	if len(c.Functions) > 0 {
		b.WriteString("\nCPU profile: functions whose share of the target's CPU changed most (flat = in the function itself)\n")
		rows := [][]string{{"function", "base flat", "new flat", "change", "base cum", "new cum", "flat CPU s base -> new"}}
		for _, f := range c.Functions {
			rows = append(rows, []string{shortFunc(f.Function, 60),
				fmt.Sprintf("%.1f%%", f.BaseFlat*100), fmt.Sprintf("%.1f%%", f.NewFlat*100),
				fmt.Sprintf("%+.1f pp", (f.NewFlat-f.BaseFlat)*100),
				fmt.Sprintf("%.1f%%", f.BaseCum*100), fmt.Sprintf("%.1f%%", f.NewCum*100),
				fmt.Sprintf("%.2f -> %.2f", f.BaseSeconds, f.NewSeconds)})
		}
		writeTable(&b, rows, len(rows[0]))
		fmt.Fprintf(&b, "Diff flame graph: loadgen compare -type html BASE NEW > compare.html, or interactively: loadgen flame -base %s %s\n",
			strings.Join(c.BaseDirs, ","), strings.Join(c.NewDirs, " "))
	} else if c.HasProfiles() {
		b.WriteString("\nCPU profiles: no function's share of CPU changed measurably.\n")
	} else {
		b.WriteString("\n" + NoProfileDiff + "\n")
	}
	b.WriteString("Noise: a change counts only beyond 2 standard errors of both runs' per-interval values (p50..p99, throughput, success, CPU mean)\n" +
		"       or 2 pooled per-interval deviations (p99.9, max, RSS, GC pause, goroutines); deviation = 1.4826 x median absolute deviation;\n" +
		"       changes under 1% are never called.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Side describes one side of a comparison: its directories, start,
// duration, schedule and first target.
func Side(dirs []string, r *report.Report) string {
	s := strings.Join(dirs, ", ")
	if len(r.Runs) == 0 {
		return s
	}
	run := r.Runs[0]
	s += fmt.Sprintf(" (%s, %s at %s", run.Start.UTC().Format("2006-01-02 15:04 MST"), Round(r.Summary.Duration), run.Plan.Schedule)
	if len(run.Plan.Targets) > 0 {
		t := run.Plan.Targets[0]
		s += ", " + t.Method + " " + t.URL
		if n := max(len(run.Plan.Targets), run.Plan.TargetsTotal); n > 1 {
			s += fmt.Sprintf(" +%d more", n-1)
		}
	}
	if len(r.Runs) > 1 {
		s += fmt.Sprintf(", %d shards", len(r.Runs))
	}
	return s + ")"
}

// writeTable left-aligns the first column and right-aligns the next
// `right` columns; the rest are left-aligned.
func writeTable(b *strings.Builder, rows [][]string, right int) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for ri, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				line.WriteString(c + pad)
			case i <= right:
				line.WriteString("  " + pad + c)
			default:
				line.WriteString("  " + c + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if ri == 0 {
			total := 0
			for _, w := range width {
				total += w + 2
			}
			b.WriteString(strings.Repeat("-", total-2) + "\n")
		}
	}
}

// Value formats a metric value in its unit ("-" when missing).
func Value(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	x := *v
	switch unit {
	case report.UnitDuration:
		return Round(time.Duration(x)).String()
	case report.UnitRate:
		return fmt.Sprintf("%.1f/s", x)
	case report.UnitRatio:
		return fmt.Sprintf("%.2f%%", x*100)
	case report.UnitPercent:
		return fmt.Sprintf("%.1f%%", x)
	case report.UnitBytes:
		return Bytes(x)
	}
	return fmt.Sprintf("%.0f", x)
}

// Change formats a signed change in a metric's unit.
func Change(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	x := *v
	sign := "+"
	if x < 0 {
		sign = "-"
	}
	a := math.Abs(x)
	switch unit {
	case report.UnitRatio:
		return fmt.Sprintf("%+.2f pp", x*100)
	case report.UnitPercent:
		return fmt.Sprintf("%+.1f pp", x)
	case report.UnitCount:
		return fmt.Sprintf("%+.0f", x)
	}
	return sign + Value(unit, &a)
}

// Noise formats the half-width of a noise band.
func Noise(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	switch unit {
	case report.UnitRatio:
		return fmt.Sprintf("±%.2f pp", *v*100)
	case report.UnitPercent:
		return fmt.Sprintf("±%.1f pp", *v)
	case report.UnitCount:
		return fmt.Sprintf("±%.1f", *v)
	}
	return "±" + Value(unit, v)
}

// Ratio formats new/base as "1.23x".
func Ratio(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2fx", *v)
}

// shortFunc trims a long function name from the left, where the package
// path is, keeping the part people recognise.
func shortFunc(name string, n int) string {
	if utf8.RuneCountInString(name) <= n {
		return name
	}
	r := []rune(name)
	return "..." + string(r[len(r)-n+3:])
}

// NoProfileDiff says why a comparison has no profile diff.
const NoProfileDiff = "No CPU profile diff: both runs need a CPU profile (attack with the collector on)."
