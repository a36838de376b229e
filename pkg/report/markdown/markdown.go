// Package markdown writes a run's summary and a comparison as GitHub
// Flavored Markdown tables, short enough for a pull-request comment or
// $GITHUB_STEP_SUMMARY.
//
//	markdown.WriteSummary(os.Stdout, "checkout", rep.Summary)
//	markdown.WriteCompare(os.Stdout, c)
package markdown

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// WriteSummary writes a run's headline figures as a table, then its SLO
// checks (when it had any) as another.
func WriteSummary(w io.Writer, title string, s runrecord.Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### loadgen: %s\n\n", cell(title))
	d := func(x time.Duration) string { return text.Round(x).String() }
	rows := [][2]string{
		{"requests", fmt.Sprintf("%d", s.Requests)},
		{"rate (sent)", fmt.Sprintf("%.1f/s", s.Rate)},
		{"throughput (successful)", fmt.Sprintf("%.1f/s", s.Throughput)},
		{"success", fmt.Sprintf("%.2f%%", 100*s.SuccessRatio)},
		{"latency p50 / p90 / p99", d(s.Latency.P50) + " / " + d(s.Latency.P90) + " / " + d(s.Latency.P99)},
		{"latency p99.9 / max", d(s.Latency.P999) + " / " + d(s.Latency.Max)},
		{"service latency p50 / p99", d(s.ServiceLatency.P50) + " / " + d(s.ServiceLatency.P99)},
		{"dispatch lag p99", d(s.DispatchLag.P99)},
		{"missed slots", fmt.Sprintf("%d", s.Missed)},
	}
	if t := s.Target; t != nil {
		rows = append(rows,
			[2]string{"target CPU mean / max", fmt.Sprintf("%.1f%% / %.1f%%", t.CPUPercent.Mean, t.CPUPercent.Max)},
			[2]string{"target RSS mean / max", text.Bytes(t.RSSBytes.Mean) + " / " + text.Bytes(t.RSSBytes.Max)},
			[2]string{"target GC pauses / p99", fmt.Sprintf("%d / %s", t.GCPause.Count, d(t.GCPause.P99))})
	}
	if c := s.Capacity; c != nil {
		rows = append(rows, [2]string{"sustainable rate", fmt.Sprintf("%g/s under %s", c.SustainableRate, c.SLO)})
	}
	b.WriteString("| metric | value |\n|:---|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], cell(r[1]))
	}
	if slo := s.SLO; slo != nil {
		verdict := "pass"
		if !slo.Pass {
			verdict = "**FAIL**"
		}
		fmt.Fprintf(&b, "\nSLO: %s\n\n| check | measured | result |\n|:---|---:|:---|\n", verdict)
		for _, c := range slo.Checks {
			res := "pass"
			if !c.Pass {
				res = "**FAIL**"
			}
			measured := strings.TrimPrefix(text.SLOMeasured(c), "measured ")
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", strings.ReplaceAll(c.Expr, "`", "'"), cell(measured), cell(res))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCompare writes the comparison's table: one row per metric with
// base, new, change, ratio, noise band and verdict (worse in bold), and a
// line counting the verdicts.
func WriteCompare(w io.Writer, c *report.Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### loadgen compare\n\nbase: %s  \nnew: %s\n\n", cell(text.Side(c.BaseDirs, c.Base)), cell(text.Side(c.NewDirs, c.New)))
	b.WriteString("| metric | base | new | change | ratio | noise | verdict |\n|:---|---:|---:|---:|---:|---:|:---|\n")
	count := map[string]int{}
	for _, m := range c.Metrics {
		count[m.Verdict]++
		v := m.Verdict
		if v == report.VerdictWorse {
			v = "**worse**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(m.Label),
			cell(text.Value(m.Unit, m.Base)), cell(text.Value(m.Unit, m.New)), cell(text.Change(m.Unit, m.Change)),
			cell(text.Ratio(m.Ratio)), cell(text.Noise(m.Unit, m.Noise)), v)
	}
	fmt.Fprintf(&b, "\n%d worse, %d better, %d within noise.", count[report.VerdictWorse], count[report.VerdictBetter], count[report.VerdictNoise])
	for _, m := range c.Metrics {
		if m.Verdict == report.VerdictWorse {
			fmt.Fprintf(&b, " Worse: %s.", cell(text.MetricLine(m)))
			break
		}
	}
	b.WriteString("\n")
	writeGroups(&b, c)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeGroups lists the endpoint groups whose metrics moved beyond the
// noise, one line each, so a pull-request comment says which endpoint.
func writeGroups(b *strings.Builder, c *report.Comparison) {
	var lines []string
	for _, g := range c.Groups {
		for _, m := range g.Metrics {
			if m.Verdict == report.VerdictWorse || m.Verdict == report.VerdictBetter {
				lines = append(lines, fmt.Sprintf("- `%s` %s", cell(g.Name), cell(text.MetricLine(m))))
			}
		}
	}
	if len(c.Groups) == 0 {
		return
	}
	fmt.Fprintf(b, "\nEndpoint groups: %d compared", len(c.Groups))
	if len(lines) == 0 {
		b.WriteString(", none moved beyond the noise.\n")
		return
	}
	b.WriteString("; beyond the noise:\n\n" + strings.Join(lines, "\n") + "\n")
}

// cell makes text safe inside a table cell: a pipe would end the cell,
// a newline the row.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", "").Replace(s)
}
