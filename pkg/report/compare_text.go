package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteCompareText writes the comparison as the table an engineer pastes
// into a design review: one row per metric with base, new, change, ratio,
// the noise band and a verdict, then the CPU functions whose share changed.
func WriteCompareText(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "base: %s\nnew:  %s\n\n", sideLine(c.BaseDirs, c.Base), sideLine(c.NewDirs, c.New))
	rows := [][]string{{"metric", "base", "new", "change", "ratio", "noise", "verdict"}}
	for _, m := range c.Metrics {
		rows = append(rows, []string{m.Label, fmtValue(m.Unit, m.Base), fmtValue(m.Unit, m.New),
			fmtChange(m.Unit, m.Change), fmtRatio(m.Ratio), fmtNoise(m.Unit, m.Noise), m.Verdict})
	}
	writeTable(&b, rows, 6)
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
		b.WriteString("\n" + noProfileDiff + "\n")
	}
	b.WriteString("Noise: a change counts only beyond 2 standard errors of both runs' per-interval values (p50..p99, throughput, success, CPU mean)\n" +
		"       or 2 pooled per-interval deviations (p99.9, max, RSS, GC pause, goroutines); deviation = 1.4826 x median absolute deviation;\n" +
		"       changes under 1% are never called.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// compareJSON is the JSON form: both summaries, then the metric rows.
type compareJSON struct {
	Base      any             `json:"base"`
	New       any             `json:"new"`
	Metrics   []Metric        `json:"metrics"`
	Functions []FunctionShare `json:"functions,omitempty"`
}

// WriteCompareJSON writes {"base": summary, "new": summary, "metrics": [...]}
// (plus "functions" when both runs have CPU profiles).
func WriteCompareJSON(w io.Writer, c *Comparison) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(compareJSON{Base: c.Base.Summary, New: c.New.Summary, Metrics: c.Metrics, Functions: c.Functions})
}

func sideLine(dirs []string, r *Report) string {
	s := strings.Join(dirs, ", ")
	if len(r.Runs) == 0 {
		return s
	}
	run := r.Runs[0]
	s += fmt.Sprintf(" (%s, %s at %s", run.Start.UTC().Format("2006-01-02 15:04 MST"), round(r.Summary.Duration), run.Plan.Schedule)
	if len(run.Plan.Targets) > 0 {
		t := run.Plan.Targets[0]
		s += ", " + t.Method + " " + t.URL
		if n := len(run.Plan.Targets); n > 1 {
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

func fmtValue(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	x := *v
	switch unit {
	case UnitDuration:
		return round(time.Duration(x)).String()
	case UnitRate:
		return fmt.Sprintf("%.1f/s", x)
	case UnitRatio:
		return fmt.Sprintf("%.2f%%", x*100)
	case UnitPercent:
		return fmt.Sprintf("%.1f%%", x)
	case UnitBytes:
		return bytesIEC(x)
	}
	return fmt.Sprintf("%.0f", x)
}

func fmtChange(unit string, v *float64) string {
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
	case UnitRatio:
		return fmt.Sprintf("%+.2f pp", x*100)
	case UnitPercent:
		return fmt.Sprintf("%+.1f pp", x)
	case UnitCount:
		return fmt.Sprintf("%+.0f", x)
	}
	return sign + fmtValue(unit, &a)
}

func fmtNoise(unit string, v *float64) string {
	if v == nil {
		return "-"
	}
	switch unit {
	case UnitRatio:
		return fmt.Sprintf("±%.2f pp", *v*100)
	case UnitPercent:
		return fmt.Sprintf("±%.1f pp", *v)
	case UnitCount:
		return fmt.Sprintf("±%.1f", *v)
	}
	return "±" + fmtValue(unit, v)
}

func fmtRatio(v *float64) string {
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

// noProfileDiff says why a comparison has no profile diff.
const noProfileDiff = "No CPU profile diff: both runs need a CPU profile (attack with the collector on)."
