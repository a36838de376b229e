package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historytext"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/report/junit"
	"github.com/loadgen/loadgen/pkg/report/markdown"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("compare", "[-type text|json|html|markdown] [-fail-on worse] [-junit FILE] BASE NEW\n"+
		"       loadgen compare -baseline last:NAME|last-pass:NAME|label:KEY=VALUE [flags] NEW\n\n"+
		"BASE and NEW are run record directories; the shards of one attack are given\n"+
		"comma-separated (runs/a-0,runs/a-1) and merged. With -baseline, BASE comes from the run\n"+
		"history: the newest matching run that started before NEW.\n\n"+
		"Exit status: 0 ok, 1 failure, 2 usage, 4 -fail-on worse and a metric got worse beyond the noise", stdout)
	typ := fs.String("type", "text", "output: text (a table), json, html, or markdown (a table for a pull-request comment or $GITHUB_STEP_SUMMARY)")
	baseline := fs.String("baseline", "", "take BASE from the run history: last:NAME (the newest run of NAME), last-pass:NAME (the newest whose SLO passed), or label:KEY=VALUE (the newest with that label and NEW's name)")
	failOn := fs.String("fail-on", "", "worse: exit 4 when any metric of the run is worse; worse:METRIC,... only for these metrics (latency.p99, throughput, ...);\nan endpoint group's metric gates when named, like worse:latency.p99{group=orders}")
	junitOut := fs.String("junit", "", "also write the comparison as JUnit XML to FILE (each metric a test case; worse ones fail)")
	dbFlag := fs.String("history", "", historyHelp+"; read by -baseline")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch *typ {
	case "text", "json", "html", "markdown":
	default:
		return usagef("unknown -type %q: want text, json, html or markdown", *typ)
	}
	gate, err := parseFailOn(*failOn)
	if err != nil {
		return err
	}
	var base, next []string
	switch {
	case *baseline != "" && len(pos) == 1:
		next = splitDirs(pos[0])
		if len(next) == 0 {
			return usagef("empty run record list")
		}
		if base, err = resolveBaseline(*baseline, historyPath(*dbFlag), next, stderr); err != nil {
			return err
		}
	case *baseline != "":
		return usagef("with -baseline give only NEW, the run record to compare with it")
	case len(pos) != 2:
		return usagef("give exactly two run records: BASE NEW (shards comma-separated), or -baseline SPEC NEW")
	default:
		base, next = splitDirs(pos[0]), splitDirs(pos[1])
	}
	if len(base) == 0 || len(next) == 0 {
		return usagef("empty run record list")
	}
	if err := checkRecords(append(append([]string(nil), base...), next...)); err != nil {
		return err
	}
	c, err := report.Compare(base, next)
	if err != nil {
		return badRecord(err)
	}
	if err := gate.check(c); err != nil {
		return err
	}
	switch *typ {
	case "json":
		err = report.WriteCompareJSON(stdout, c)
	case "html":
		err = html.WriteCompare(stdout, c)
	case "markdown":
		err = markdown.WriteCompare(stdout, c)
	default:
		err = text.WriteCompare(stdout, c)
	}
	if err != nil {
		return err
	}
	if *junitOut != "" {
		if err := writeJUnit(*junitOut, func(w io.Writer) error { return junit.WriteCompare(w, c, gate.gates) }); err != nil {
			return err
		}
	}
	return gate.verdict(c)
}

// failGate is -fail-on: which metrics' "worse" fails the command.
type failGate struct {
	on      bool
	metrics map[string]bool // nil: every metric
}

func parseFailOn(s string) (failGate, error) {
	if s == "" {
		return failGate{}, nil
	}
	kind, list, hasList := strings.Cut(s, ":")
	if kind != "worse" {
		return failGate{}, usagef("-fail-on %q: want worse, or worse:METRIC,... (like worse:latency.p99,throughput)", s)
	}
	g := failGate{on: true}
	if hasList {
		g.metrics = map[string]bool{}
		for _, m := range strings.Split(list, ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.metrics[m] = true
			}
		}
	}
	return g, nil
}

// gates says whether a metric's "worse" fails (for the JUnit report,
// which marks every gating worse metric failed even without -fail-on).
func (g failGate) gates(name string) bool { return g.metrics == nil || g.metrics[name] }

// check refuses metric names the comparison does not have.
func (g failGate) check(c *report.Comparison) error {
	known := map[string]bool{}
	var names []string
	for _, m := range c.Metrics {
		known[m.Name] = true
		names = append(names, m.Name)
	}
	for _, gc := range c.Groups {
		for _, m := range gc.Metrics {
			known[m.Name] = true
		}
	}
	for m := range g.metrics {
		if !known[m] {
			return usagef("-fail-on: unknown metric %q; compare has %s, and each group's as METRIC{group=NAME}", m, strings.Join(names, ", "))
		}
	}
	return nil
}

// verdict is the exit: exitWorse when a gating metric is worse.
func (g failGate) verdict(c *report.Comparison) error {
	if !g.on {
		return nil
	}
	var worse []string
	for _, m := range c.Metrics {
		if m.Verdict == report.VerdictWorse && g.gates(m.Name) {
			worse = append(worse, text.MetricLine(m))
		}
	}
	// A group's metric gates only when named: with every group's metrics
	// gating, one of dozens would be "worse" by chance alone.
	for _, gc := range c.Groups {
		for _, m := range gc.Metrics {
			if m.Verdict == report.VerdictWorse && g.metrics[m.Name] {
				worse = append(worse, gc.Name+" "+text.MetricLine(m))
			}
		}
	}
	if len(worse) == 0 {
		return nil
	}
	return exitError{exitWorse, fmt.Errorf("worse beyond the noise: %s", strings.Join(worse, "; "))}
}

// resolveBaseline picks BASE from the history: the newest run matching
// spec that started before NEW (so NEW, indexed when it was written, is
// never its own baseline).
func resolveBaseline(spec, dbPath string, next []string, stderr io.Writer) ([]string, error) {
	if dbPath == "" {
		return nil, usagef("-baseline reads the run history, which is off (-history off or $%s=off)", historyEnv)
	}
	nr, err := runrecord.Read(next[0])
	if err != nil {
		return nil, usageError{err}
	}
	f := history.Filter{Until: nr.Start.Add(-time.Nanosecond)}
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "last", "last-pass":
		if arg == "" {
			return nil, usagef("-baseline %s: give the run name, like %s:checkout", spec, kind)
		}
		f.Name, f.Pass = arg, kind == "last-pass"
	case "label":
		var l labelSet
		if err := l.Set(arg); err != nil {
			return nil, usagef("-baseline %s: %v", spec, err)
		}
		f.Labels, f.Name = l, nr.Name
	default:
		return nil, usagef("-baseline %q: want last:NAME, last-pass:NAME or label:KEY=VALUE", spec)
	}
	ctx := context.Background()
	db, err := history.Open(ctx, dbPath)
	if err != nil {
		return nil, historyWords(err)
	}
	defer db.Close()
	r, err := db.Latest(ctx, f)
	if errors.Is(err, history.ErrNotFound) {
		return nil, fmt.Errorf("-baseline %s: no run in the history %s matches and started before %s (index older records with: loadgen history import DIR)",
			spec, dbPath, nr.Start.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return nil, err
	}
	desc := r.Start.UTC().Format("2006-01-02 15:04:05 MST")
	if l := historytext.Labels(r.Labels); l != "" {
		desc += ", " + l
	}
	fmt.Fprintf(stderr, "baseline %s: %s (%s)\n", spec, r.Path, desc)
	return []string{r.Path}, nil
}
