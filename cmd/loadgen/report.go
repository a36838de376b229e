package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/markdown"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[-type text|json|html|hlog|markdown|hist[BOUNDS]] [-trace-link URL] RUN...", stdout)
	typ := fs.String("type", "text", "report type: text, json, html, hlog, markdown (a table for a pull-request comment or $GITHUB_STEP_SUMMARY), or hist[BOUNDS] like 'hist[0,2ms,4ms,8ms]' (vegeta's latency histogram, of intended-time latency); several runs are merged into one")
	link := fs.String("trace-link", "", "html: link the slowest requests to this trace viewer URL with {trace_id}, like 'https://tempo.example/trace/{trace_id}' (default: the one the attack was given)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *link != "" {
		if err := report.CheckTraceLink(*link); err != nil {
			return usagef("-trace-link: %w", err)
		}
	}
	if len(pos) == 0 {
		return usagef("give at least one run record directory")
	}
	if err := checkRecords(pos); err != nil {
		return err
	}
	var buckets vegeta.Buckets
	switch {
	case strings.HasPrefix(*typ, "hist"):
		// vegeta's own parser, so the bounds mean what they mean there.
		if err := buckets.UnmarshalText([]byte(strings.TrimPrefix(*typ, "hist"))); err != nil {
			return usagef("-type %s: %v (want hist[BOUNDS] like 'hist[0,2ms,4ms,8ms]')", *typ, err)
		}
	case *typ == "text", *typ == "json", *typ == "html", *typ == "markdown", *typ == "hlog":
	default:
		return usagef("unknown -type %q: want text, json, html, hlog, markdown or hist[BOUNDS]", *typ)
	}
	// Load refuses what cannot be merged (the same run twice, records of
	// different kinds), for every type, hlog included.
	rep, err := report.Load(pos...)
	if err != nil {
		return badRecord(err)
	}
	if *link != "" {
		rep.TraceLink = *link
	}
	for _, w := range rep.MergeWarnings() {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if buckets != nil {
		h := rep.Latency
		if c := rep.Summary.Capacity; h == nil && c != nil && len(pos) == 1 {
			// A capacity run's latency is that of its steps; its summary
			// is the step at the sustainable rate, and so is the histogram.
			step, err := report.Load(filepath.Join(pos[0], c.SummaryStep))
			if err != nil {
				return err
			}
			h = step.Latency
			fmt.Fprintf(stderr, "the latency of %s, the step at the sustainable rate\n", c.SummaryStep)
		}
		if h == nil {
			return fmt.Errorf("no latency histogram in %s (no %s)", strings.Join(pos, ", "), runrecord.LatencyLog)
		}
		return text.WriteHistogram(stdout, buckets, report.Buckets(h, buckets))
	}
	switch *typ {
	case "hlog":
		return runrecord.WriteMergedHlog(stdout, "", pos...)
	case "html":
		return html.Write(stdout, rep)
	case "json":
		return report.WriteJSON(stdout, rep.Summary)
	case "markdown":
		title := rep.Runs[0].Name
		if len(rep.Runs) > 1 {
			title += fmt.Sprintf(" (%d shards merged)", len(rep.Runs))
		}
		return markdown.WriteSummary(stdout, title, rep.Summary)
	}
	if err := text.Write(stdout, rep.Summary); err != nil {
		return err
	}
	if len(rep.Runs) == 1 { // a coordinated run's merged record lists its shards
		return text.WriteShards(stdout, rep.Runs[0].Shards)
	}
	return nil
}
