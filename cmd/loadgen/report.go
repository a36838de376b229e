package main

import (
	"fmt"
	"io"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/markdown"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[-type text|json|html|hlog|markdown] RUN...", stdout)
	typ := fs.String("type", "text", "report type: text, json, html, hlog, or markdown (a table for a pull-request comment or $GITHUB_STEP_SUMMARY); several runs are merged into one")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give at least one run record directory")
	}
	switch *typ {
	case "text", "json", "html", "markdown":
	case "hlog":
		return runrecord.WriteMergedHlog(stdout, pos...)
	default:
		return usagef("unknown -type %q: want text, json, html, hlog or markdown", *typ)
	}
	rep, err := report.Load(pos...)
	if err != nil {
		return err
	}
	switch *typ {
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
