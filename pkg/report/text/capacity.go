package text

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// WriteCapacity writes a capacity search's verdict and its step table.
func WriteCapacity(w io.Writer, c *runrecord.Capacity) error {
	verdict := fmt.Sprintf("%g/s", c.SustainableRate)
	switch {
	case c.SustainableRate == 0:
		verdict = "none (no step met the SLO)"
	case c.LowerBound:
		verdict = fmt.Sprintf("at least %g/s", c.SustainableRate)
	}
	fmt.Fprintf(w, "Capacity: %s under %s\n", verdict, c.SLO)
	if c.Knee > 0 {
		fmt.Fprintf(w, "Knee: %g/s (the lowest rate that failed)\n", c.Knee)
	}
	fmt.Fprintf(w, "Stopped: %s\n", c.StopReason)
	if c.Group != "" {
		fmt.Fprintf(w, "Steps: the figures of group %q, the one the SLO is about\n", c.Group)
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tphase\trate\tresult\tthroughput\tsuccess\tp50\tp99\tp99.9\tcpu\trss\tnote")
	for _, s := range c.Steps {
		result := "pass"
		switch {
		case s.Interrupted:
			result = "cut"
		case !s.Pass:
			result = "FAIL"
		}
		cpu, rss := "-", "-"
		if s.TargetCPU != nil {
			cpu = fmt.Sprintf("%.0f%%", *s.TargetCPU)
		}
		if s.TargetRSS != nil {
			rss = Bytes(*s.TargetRSS)
		}
		var note []string
		if len(s.Failed) > 0 {
			note = append(note, "failed "+strings.Join(s.Failed, ","))
		}
		if s.Shortfall != "" {
			note = append(note, s.Shortfall)
		}
		if s.EarlyStop != "" {
			note = append(note, fmt.Sprintf("stopped early at %s: %s", Round(s.Duration), s.EarlyStop))
		}
		if s.Interrupted {
			note = append(note, "interrupted (not counted)")
		}
		fmt.Fprintf(tw, "%s\t%s\t%g/s\t%s\t%.1f/s\t%.2f%%\t%s\t%s\t%s\t%s\t%s\t%s\n",
			strings.TrimPrefix(s.Dir, "steps/"), s.Phase, s.Rate, result, s.Throughput, s.Success*100,
			Round(s.P50), Round(s.P99), Round(s.P999), cpu, rss, strings.Join(note, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c.SummaryStep != "" {
		fmt.Fprintf(w, "The summary above is that of %s; each step's run record is in its steps/NN directory.\n", c.SummaryStep)
	}
	return nil
}
