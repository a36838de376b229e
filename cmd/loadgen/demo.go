package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historytext"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "[-rate N] [-duration D] [-out DIR]", stdout)
	rate := fs.String("rate", "200", "request rate")
	duration := fs.Duration("duration", 5*time.Second, "attack duration")
	var of outFlags
	of.register(fs, "run record directory (default runs/demo-<UTC time>)")
	out := &of.out
	var hist historyFlags
	hist.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sched, err := attack.ParseRate(*rate)
	if err != nil {
		return usageError{err}
	}
	if *out == "" {
		*out = defaultOut("demo", time.Now())
	}
	// Refuse a used -out before starting anything.
	if err := runrecord.CheckDir(*out, of.overwrite); err != nil {
		return usageError{inFlagWords(err)}
	}
	// The target runs as a child process: in-process, its CPU %, RSS, GC
	// pauses and CPU profile would be the generator's as much as its own.
	// It records its server spans, which go into the run record after the
	// run, so every slow request's trace id can be looked up in them.
	tmp, err := os.MkdirTemp("", "loadgen-demo-spans-")
	if err != nil {
		return fmt.Errorf("demo target: %w", err)
	}
	defer os.RemoveAll(tmp)
	spansTmp := filepath.Join(tmp, runrecord.TargetSpansFile)
	srv, err := startDemoChild(context.Background(), spansTmp)
	if err != nil {
		return err
	}
	defer srv.Stop()
	fmt.Fprintf(stderr, "demo target (pid %d) serving on %s, admin on %s\n", srv.Pid(), srv.URL, srv.AdminURL)

	// A mix of cheap and CPU-heavy requests, so the tail has a story: six
	// /fib sizes, six endpoint groups in the report, the slowest of them the
	// one whose Fib calls fill the flame graph; and every 15th /stall
	// request (about one request in a hundred) held 100 ms: a seventh group,
	// slow by waiting rather than CPU, whose exemplars lead to its traces.
	var urls []string
	for _, n := range []int{10, 15, 18, 20, 22, 25} {
		urls = append(urls, fmt.Sprintf("%s/fib?n=%d", srv.URL, n))
	}
	urls = append(urls, srv.URL+"/stall?every=15&ms=100")
	tgts, err := attack.TargetsFromURLs(urls, "GET", nil, nil)
	if err != nil {
		return err
	}
	opts := attack.DefaultOptions()
	opts.Name = "demo"
	opts.Duration = *duration
	opts.Timeout = 10 * time.Second
	opts.Trace = true
	plan := runner.Plan{
		Name:     "demo",
		Labels:   hist.labels,
		Targets:  tgts,
		Schedule: sched,
		Options:  opts,
		Interval: time.Second,
		Out:      *out,
		Replace:  of.overwrite,
		Args:     redactArgs(append([]string{"demo"}, args...)),
		Collect: &collect.Config{
			PprofURL:   srv.AdminURL + "/debug/pprof",
			MetricsURL: srv.AdminURL + "/metrics",
			ExpvarURL:  srv.AdminURL + "/debug/vars",
		},
	}
	if runtime.GOOS == "linux" {
		plan.Collect.PID = srv.Pid() // threads, fds, context switches
	}
	dbPath := historyPath(hist.path)
	run, err := executeAttack(plan, afterRun{history: dbPath}, stdout, stderr, attackHooks{})
	if err != nil {
		return err
	}
	srv.Stop() // writes the target's last spans
	spans, err := keepSpans(spansTmp, *out)
	if err != nil {
		fmt.Fprintf(stderr, "warning: the demo target's spans: %v\n", err)
	}
	fmt.Fprintf(stdout, "\nNext: %s report -type json %s\n", selfCommand(), *out)
	fmt.Fprintf(stdout, "      %s flame %s\n", selfCommand(), *out)
	fmt.Fprintf(stdout, "      go tool pprof -top %s/profiles/cpu.pb.gz\n", *out)
	if ex := run.Summary.Exemplars; len(ex) > 0 && ex[0].TraceID != "" && spans != "" {
		fmt.Fprintf(stdout, "      grep %s %s   # the slowest request's server span\n", ex[0].TraceID, spans)
	}
	fmt.Fprintf(stdout, "HTML report: %s\n", filepath.Join(*out, runrecord.ReportFile))
	showDemoHistory(dbPath, stdout, stderr)
	return nil
}

// keepSpans moves the demo target's spans file into the run record dir
// (written atomically, like the record's other files), adds it to the
// record's manifest, and returns its path there.
func keepSpans(from, dir string) (string, error) {
	b, err := os.ReadFile(from)
	if err != nil {
		return "", err
	}
	to := filepath.Join(dir, runrecord.TargetSpansFile)
	if err := runrecord.WriteFile(to, b); err != nil {
		return "", err
	}
	return to, runrecord.Attach(dir, runrecord.TargetSpansFile)
}

// showDemoHistory prints the demo's runs so far from the history: the demo
// runs accumulate, so a second demo already shows a trend.
func showDemoHistory(dbPath string, stdout, stderr io.Writer) {
	if dbPath == "" {
		return
	}
	ctx := context.Background()
	db, err := history.Open(ctx, dbPath)
	if err != nil {
		fmt.Fprintf(stderr, "warning: history: %v\n", historyWords(err))
		return
	}
	defer db.Close()
	runs, err := db.List(ctx, history.Filter{Name: "demo", Last: 10})
	if err != nil {
		fmt.Fprintf(stderr, "warning: history: %v\n", err)
		return
	}
	fmt.Fprintf(stdout, "\nRun history (%s): the last %d demo run(s)\n", dbPath, len(runs))
	if err := historytext.Write(stdout, runs, history.Trends(runs, history.TrendOptions{})); err != nil {
		fmt.Fprintf(stderr, "warning: history: %v\n", err)
	}
	fmt.Fprintf(stdout, "Trends: %s history -name demo -type html > history.html\n", selfCommand())
}

// selfCommand is how the user can run this program again: "loadgen" once
// installed, or "go run ./cmd/loadgen" when it was started that way (its
// binary then lives in a temporary build directory, not on PATH).
func selfCommand() string {
	exe, err := os.Executable()
	if err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./cmd/loadgen"
	}
	return "loadgen"
}
