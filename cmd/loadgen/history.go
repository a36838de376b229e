package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historyhtml"
	"github.com/loadgen/loadgen/pkg/history/historytext"
)

func runHistory(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "import" {
		return runHistoryImport(args[1:], stdout, stderr)
	}
	fs := newFlagSet("history", "[-name NAME] [-label k=v] [-since T] [-until T] [-last N] [-type text|json|html]\n"+
		"       loadgen history import [-history PATH] DIR...\n\n"+
		"Lists the indexed runs (oldest first) and, for each name, the runs where a metric's level shifted\n"+
		"(e-divisive change points, judged against the noise inside the runs). 'import' indexes existing records", stderr)
	dbFlag := fs.String("history", "", historyHelp)
	typ := fs.String("type", "text", "output: text, json, or html (a self-contained page plotting each metric over the runs)")
	name := fs.String("name", "", "only runs of this name")
	var labels labelSet
	fs.Var(&labels, "label", "only runs with this key=value label (repeatable: all must match)")
	since := fs.String("since", "", "only runs that started at or after: 2026-11-01, an RFC 3339 time, or a duration ago like 168h")
	until := fs.String("until", "", "only runs that started at or before (same forms as -since)")
	last := fs.Int("last", 0, "only the newest N runs (0: all)")
	metrics := fs.String("metric", "", "metrics to trend, comma-separated (default: throughput, success, p50, p99, p99.9, service p99, lag p99, target CPU, RSS, GC, sustainable rate)")
	x := fs.String("x", "time", "html: the x axis, time (when each run started) or a label key such as git")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q (filters are flags; to index records: loadgen history import DIR...)", fs.Args())
	}
	switch *typ {
	case "text", "json", "html":
	default:
		return usagef("unknown -type %q: want text, json or html", *typ)
	}
	f := history.Filter{Name: *name, Labels: labels, Last: *last}
	var err error
	if f.Since, err = parseWhen("-since", *since); err != nil {
		return err
	}
	if f.Until, err = parseWhen("-until", *until); err != nil {
		return err
	}
	opts := history.TrendOptions{}
	if *metrics != "" {
		for _, m := range strings.Split(*metrics, ",") {
			m = strings.TrimSpace(m)
			if _, ok := history.MetricByName(m); !ok {
				return usagef("-metric %q: unknown; want one of %s", m, metricNames())
			}
			opts.Metrics = append(opts.Metrics, m)
		}
	}
	path := historyPath(*dbFlag)
	if path == "" {
		return usagef("the history is off (-history off or $%s=off): nothing to list", historyEnv)
	}
	ctx := context.Background()
	db, err := history.Open(ctx, path)
	if err != nil {
		return historyWords(err)
	}
	defer db.Close()
	runs, err := db.List(ctx, f)
	if err != nil {
		return err
	}
	trends := history.Trends(runs, opts)
	switch *typ {
	case "json":
		if runs == nil {
			runs = []history.Run{}
		}
		if trends == nil {
			trends = []history.Trend{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Runs   []history.Run   `json:"runs"`
			Trends []history.Trend `json:"trends"`
		}{runs, trends})
	case "html":
		return historyhtml.Write(stdout, trends, historyhtml.Options{X: *x, Title: "loadgen history: " + path})
	}
	return historytext.Write(stdout, runs, trends)
}

func runHistoryImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("history import", "[-history PATH] DIR...\n\nIndexes every run record in or under each DIR (a capacity search's steps are part of it).\n"+
		"A directory that is missing, or a record that cannot be read, is reported and skipped; indexing a\n"+
		"record again (after it moved) updates its row", stderr)
	dbFlag := fs.String("history", "", historyHelp)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("give the directories to import, like: loadgen history import runs")
	}
	path := historyPath(*dbFlag)
	if path == "" {
		return usagef("the history is off (-history off or $%s=off): give -history PATH", historyEnv)
	}
	ctx := context.Background()
	db, err := history.Open(ctx, path)
	if err != nil {
		return historyWords(err)
	}
	defer db.Close()
	res, err := db.Import(ctx, fs.Args())
	for _, d := range res.Missing {
		fmt.Fprintf(stderr, "missing: %s (no such directory; skipped)\n", d)
	}
	for _, f := range res.Failed {
		fmt.Fprintf(stderr, "skipped: %v\n", f)
	}
	if err != nil {
		return err
	}
	stale, err := db.Stale(ctx)
	if err != nil {
		return err
	}
	for _, r := range stale {
		fmt.Fprintf(stderr, "moved or deleted: %s (%s, %s): import it from its new place to update it\n", r.Path, r.Name, r.Start.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "indexed %d run record(s) in %s\n", len(res.Indexed), path)
	return nil
}

// parseWhen reads 2026-11-01, an RFC 3339 time, or a duration ago.
func parseWhen(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, usagef("%s %q: want a date (2026-11-01), an RFC 3339 time, or a duration ago (168h)", flagName, s)
}

func metricNames() string {
	var n []string
	for _, m := range history.Metrics() {
		n = append(n, m.Name)
	}
	return strings.Join(n, ", ")
}
