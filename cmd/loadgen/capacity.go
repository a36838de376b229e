package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/capacity"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// capacityOwns reports whether an attack flag is one that a capacity
// search sets itself.
func capacityOwns(name string) bool {
	switch name {
	case "rate", "stages", "sine", "duration":
		return true
	}
	return false
}

func runCapacity(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("capacity", "-slo CHECKS [-min-rate N] [-max-rate N] [flags] (-url URL ... | -targets FILE)", stdout)
	var af attackFlags
	af.register(fs)
	af.outFlags.register(fs, "run record directory (default runs/<name>-<UTC time>); steps go in steps/NN under it")
	minRate := fs.Int("min-rate", 10, "first rate tried, requests/s")
	maxRate := fs.Int("max-rate", 1000, "highest rate ever sent, requests/s")
	growth := fs.Float64("growth", capacity.DefaultGrowth, "rate multiplier between steps until one fails")
	precision := fs.String("precision", "5%", "bisect until the failing and passing rates are this close (5% or 0.05)")
	step := fs.Duration("step-duration", capacity.DefaultStepDuration, "measured window of each step")
	warmup := fs.Duration("warmup", capacity.DefaultWarmup, "unrecorded load at each step's rate before it is measured (0: none)")
	cooldown := fs.Duration("cooldown", capacity.DefaultCooldown, "idle time between steps, so a saturated target drains (0: none)")
	retries := fs.Int("retries", capacity.DefaultRetries, "times a failing step is measured again before it counts as failed (noise guard)")
	fs.Usage = capacityUsage(fs, stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	af.parsed(fs, stderr)
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q (targets go in -url or -targets)", fs.Args())
	}
	var owned []string
	intervalSet := false
	fs.Visit(func(f *flag.Flag) {
		if capacityOwns(f.Name) {
			owned = append(owned, "-"+f.Name)
		}
		intervalSet = intervalSet || f.Name == "interval"
	})
	if af.output != "" {
		return usagef("-output: a capacity search writes no result stream (each step's record is in steps/NN)")
	}
	if len(owned) > 0 {
		return usagef("%s: capacity chooses each step's rate and length itself; use -min-rate, -max-rate and -step-duration", strings.Join(owned, ", "))
	}
	if af.slo.set == nil {
		return usagef("-slo is required: the search looks for the highest rate that meets it, like -slo 'p99<50ms,success>=99.9%%'")
	}
	prec, err := parsePrecision(*precision)
	if err != nil {
		return err
	}
	if af.out == "" {
		name := af.name
		if name == "" {
			name = "capacity"
		}
		af.out = defaultOut(name, time.Now())
	}
	if af.conn.lazy {
		return usagef("-lazy: capacity runs several steps over the same targets, and a stream is read once: give it a targets file without -lazy")
	}
	plan, err := af.plan(args)
	if err != nil {
		return err
	}
	plan.Args = redactArgs(append([]string{"capacity"}, args...))
	if !intervalSet {
		plan.Interval = 0 // the search picks a tenth of a step
	}
	cfg := capacity.Config{
		Plan:         plan,
		MinRate:      *minRate,
		MaxRate:      *maxRate,
		Growth:       *growth,
		Precision:    prec,
		StepDuration: *step,
		Warmup:       orNone(*warmup),
		Cooldown:     orNone(*cooldown),
		Retries:      orNoRetry(*retries),
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	live, finish, err := af.trace.serveLive(stderr)
	if err != nil {
		return err
	}
	defer finish()
	cfg.Plan.LiveMetrics = live // each step's attack in turn
	return executeCapacity(cfg, af.gen.cpus, af.after(), stdout, stderr)
}

// executeCapacity runs the search with Ctrl-C handling, printing the bound
// up front, a line per step, then the report. cpus is -cpus.
func executeCapacity(cfg capacity.Config, cpus int, after afterRun, stdout, stderr io.Writer) error {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	abort := make(chan struct{})
	cfg.Plan.Abort = abort

	bound, typical := cfg.MaxDuration()
	warm, cool := max(cfg.Warmup, 0), max(cfg.Cooldown, 0)
	fmt.Fprintf(stderr, "capacity search: %d..%d/s under %s; at most %d steps of %s warm-up + %s + %s cool-down: at most %s "+
		"(hard bound %s, counting -timeout %s per step for responses in flight); record in %s\n",
		cfg.MinRate, cfg.MaxRate, cfg.Plan.SLO, cfg.MaxSteps(), warm, cfg.StepDuration, cool, typical,
		bound, cfg.Plan.Options.Timeout, cfg.Plan.Out)
	if !hasKey(cfg, "success") {
		fmt.Fprintln(stderr, "note: -slo has no success check, so steps whose requests fail can pass; add one like success>=99.9%")
	}
	cfg.OnStep = func(s runrecord.CapacityStep) {
		verdict := "pass"
		switch {
		case s.Interrupted:
			verdict = "cut short (interrupted)"
		case s.EarlyStop != "":
			verdict = "FAIL, stopped early: " + s.EarlyStop
		case s.Shortfall != "":
			verdict = "FAIL: " + strings.Join(append(s.Failed, s.Shortfall), ", ")
		case !s.Pass:
			verdict = "FAIL: " + strings.Join(s.Failed, ", ")
		}
		fmt.Fprintf(stderr, "%s %-6s %6g/s: p50 %s p99 %s success %.2f%%: %s\n",
			s.Dir, s.Phase, s.Rate, short(s.P50), short(s.P99), s.Success*100, verdict)
		// Each step's page is there as soon as the step is measured.
		if err := writeHTML(filepath.Join(cfg.Plan.Out, s.Dir)); err != nil {
			fmt.Fprintf(stderr, "warning: %s: %v\n", s.Dir, err)
		}
	}

	defer onInterrupt(func() {
		fmt.Fprintf(stderr, "stopping: ending the step in progress (it will not count) and keeping every step measured so far (Ctrl-C again to abort requests in flight)\n")
		stop()
	}, func() { close(abort) })()

	// The CPUs for the highest rate the search may send (-cpus, cpus.go).
	ps := startProcs(cpus, float64(cfg.MaxRate), runner.CPUTime)
	run, err := capacity.Search(ctx, cfg)
	ps.restore()
	var pe *runner.PlanError
	if errors.As(err, &pe) {
		return usageError{inFlagWords(pe)}
	}
	if run == nil {
		return err
	}
	// The search's page plots latency and throughput against the offered
	// rate and links every step's own report.
	if herr := writeHTML(cfg.Plan.Out); herr != nil && err == nil {
		err = herr
	}
	if werr := text.Write(stdout, run.Summary); werr != nil && err == nil {
		err = werr
	}
	fmt.Fprintf(stderr, "run record: %s (report it with: loadgen report %s)\n", cfg.Plan.Out, cfg.Plan.Out)
	if ferr := after.finish(cfg.Plan.Out, run, stderr); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if c := run.Summary.Capacity; c.SustainableRate == 0 && !run.Interrupted {
		return exitError{exitSLO, fmt.Errorf("no rate met the SLO: %s", c.StopReason)}
	}
	return nil
}

// short rounds a latency to about four significant digits.
func short(d time.Duration) time.Duration {
	for unit := time.Duration(1); unit < time.Minute; unit *= 10 {
		if d < 10000*unit {
			return d.Round(unit)
		}
	}
	return d.Round(time.Second)
}

func hasKey(cfg capacity.Config, key string) bool {
	for _, c := range cfg.Plan.SLO.Checks() {
		if c.Key == key {
			return true
		}
	}
	return false
}

// orNone maps a 0 flag ("none") to the library's negative "none", since its
// zero value means "default".
func orNone(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

func orNoRetry(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// parsePrecision reads 5% or 0.05.
func parsePrecision(s string) (float64, error) {
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if pct {
		f /= 100
	}
	if err != nil || f <= 0 || f >= 1 {
		return 0, usagef("-precision %q: want a fraction between 0 and 1 or a percentage, like 5%% or 0.05", s)
	}
	return f, nil
}

// capacityUsage prints the flags without those the search sets itself.
func capacityUsage(fs *flag.FlagSet, w io.Writer) func() {
	return func() {
		fmt.Fprintf(w, "Usage: loadgen capacity -slo CHECKS [-min-rate N] [-max-rate N] [flags] (-url URL ... | -targets FILE)\n\n"+
			"Finds the highest rate whose step meets -slo: grows the rate by -growth from -min-rate until a step fails\n"+
			"(never above -max-rate), then bisects to -precision. Each step warms up, measures -step-duration on\n"+
			"warm connections, and stops early when clearly failing. Exit status: 0 found, 1 failure, 2 usage, 3 no rate met the SLO.\n\nFlags:\n")
		shown := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
		shown.SetOutput(w)
		fs.VisitAll(func(f *flag.Flag) {
			if capacityOwns(f.Name) {
				return
			}
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue
		})
		shown.PrintDefaults()
	}
}
