package main

import (
	"io"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/text"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "[-type text|json|html] BASE NEW\n\nBASE and NEW are run record directories; the shards of one attack are given\ncomma-separated (runs/a-0,runs/a-1) and merged", stderr)
	typ := fs.String("type", "text", "output: text (a table), json or html")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("give exactly two run records: BASE NEW (shards comma-separated)")
	}
	switch *typ {
	case "text", "json", "html":
	default:
		return usagef("unknown -type %q: want text, json or html", *typ)
	}
	base, next := splitDirs(fs.Arg(0)), splitDirs(fs.Arg(1))
	if len(base) == 0 || len(next) == 0 {
		return usagef("empty run record list")
	}
	c, err := report.Compare(base, next)
	if err != nil {
		return err
	}
	switch *typ {
	case "json":
		return report.WriteCompareJSON(stdout, c)
	case "html":
		return html.WriteCompare(stdout, c)
	}
	return text.WriteCompare(stdout, c)
}
