package main

import (
	"io"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[-type text|json|html|hlog] RUN...", stderr)
	typ := fs.String("type", "text", "report type: text, json, html or hlog (several runs are merged into one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("give at least one run record directory")
	}
	switch *typ {
	case "text", "json", "html":
	case "hlog":
		return runrecord.WriteMergedHlog(stdout, fs.Args()...)
	default:
		return usagef("unknown -type %q: want text, json, html or hlog", *typ)
	}
	rep, err := report.Load(fs.Args()...)
	if err != nil {
		return err
	}
	switch *typ {
	case "html":
		return html.Write(stdout, rep)
	case "json":
		return report.WriteJSON(stdout, rep.Summary)
	}
	return text.Write(stdout, rep.Summary)
}
