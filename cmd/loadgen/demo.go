package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "[-rate N] [-duration D] [-out DIR]", stderr)
	rate := fs.String("rate", "200", "request rate")
	duration := fs.Duration("duration", 5*time.Second, "attack duration")
	out := fs.String("out", "", "run record directory (default runs/demo-<UTC time>)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sched, err := attack.ParseRate(*rate)
	if err != nil {
		return usageError{err}
	}
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stderr, "demo target serving on %s\n", srv.URL)

	// A mix of cheap and CPU-heavy requests, so the tail has a story.
	var urls []string
	for _, n := range []int{10, 15, 20, 20, 22, 25} {
		urls = append(urls, fmt.Sprintf("%s/fib?n=%d", srv.URL, n))
	}
	tgts, err := attack.TargetsFromURLs(urls, "GET", nil, nil)
	if err != nil {
		return err
	}
	opts := attack.DefaultOptions()
	opts.Name = "demo"
	opts.Duration = *duration
	opts.Timeout = 10 * time.Second
	if *out == "" {
		*out = runner.DefaultOut("demo", time.Now())
	}
	plan := runner.Plan{
		Name:     "demo",
		Targets:  tgts,
		Schedule: sched,
		Options:  opts,
		Interval: time.Second,
		Out:      *out,
		Args:     append([]string{"demo"}, args...),
	}
	if _, err := executeAttack(plan, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nNext: loadgen report -type json %s\n", *out)
	fmt.Fprintf(stdout, "HTML report: %s\n", filepath.Join(*out, runrecord.ReportFile))
	return nil
}
