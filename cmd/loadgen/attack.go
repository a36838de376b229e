package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/report/junit"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runAttack(args []string, stdout, stderr io.Writer) error {
	return runAttackWith(args, nil, stdout, stderr)
}

// runAttackWith is runAttack for a load profile's arguments: env expands
// ${NAME} in the body and targets files the profile names, and masks what
// it substituted (nil: a plain command line).
func runAttackWith(args []string, env *profileEnv, stdout, stderr io.Writer) error {
	fs := newFlagSet("attack", "[flags] (-url URL ... | -targets FILE)", stdout)
	af := attackFlags{env: env}
	af.register(fs)
	var sf shardFlags
	sf.register(fs)
	af.outFlags.register(fs, "run record directory (default runs/<name>-<UTC time>)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	af.parsed(fs, stderr)
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q (targets go in -url or -targets)", fs.Args())
	}
	plan, err := af.plan(args)
	if err != nil {
		return err
	}
	return attackWith(plan, &af, sf, stdout, stderr)
}

// attackWith runs a plan made from attack flags (or a profile): as one
// shard of a coordinated attack, or on its own.
func attackWith(plan runner.Plan, af *attackFlags, sf shardFlags, stdout, stderr io.Writer) error {
	if af.every < 0 {
		return usagef("-every must not be negative")
	}
	if af.every > 0 {
		plan.Every = af.every
		plan.OnReport = func(s runrecord.Summary) {
			var b strings.Builder
			fmt.Fprintf(&b, "--- after %s ---\n", s.Duration.Round(time.Second))
			text.Write(&b, s)
			io.WriteString(stdout, b.String())
		}
	}
	if af.conn.lazy && (sf.shard != "" || sf.coordinator != "") {
		return usagef("-lazy: a target stream is read by one generator, and every shard needs every target; give the shards a targets file without -lazy")
	}
	if err := sf.apply(&plan); err != nil {
		return err
	}
	closeOutput := func() error { return nil }
	if af.output != "" {
		if err := outputOutsideRecord(af.output, plan.Out); err != nil {
			return err
		}
		if err := plan.Validate(); err != nil {
			return usageError{inFlagWords(err)}
		}
		w, c, err := openOutput(af.output, stdout)
		if err != nil {
			return err
		}
		closeOutput = c
		plan.Results, plan.ResultsFormat = w, af.outputFormat
		if af.output == "-" {
			stdout = stderr // stdout carries the results; the summary moves
		}
	}
	live, finish, err := af.trace.serveLive(stderr)
	if err != nil {
		return err
	}
	defer finish()
	plan.LiveMetrics = live // a shard serves its own part; Prometheus sums the shards
	if sf.coordinator != "" {
		if len(plan.Scenarios) > 0 {
			return usagef("-coordinator takes one schedule, not a profile's scenarios: run each shard with -shard I/N alone and merge their records with 'loadgen report DIR...'")
		}
		_, err := executeShard(plan, sf, af.gen.cpus, af.after(), stdout, stderr)
		if cerr := closeOutput(); cerr != nil && err == nil {
			err = cerr
		}
		return err
	}
	run, err := executeAttack(plan, af.after(), stdout, stderr, attackHooks{cpus: af.gen.cpus})
	if cerr := closeOutput(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return sloFailure(run.Summary.SLO)
}

// outputOutsideRecord refuses an -output file inside the run record's
// directory: a record holds only its own files (an -out with others is
// refused, and -overwrite replaces the record whole), so the stream would
// either make the run fail after it was opened or be removed by the next
// -overwrite.
func outputOutsideRecord(output, out string) error {
	if output == "-" || out == "" {
		return nil
	}
	o, err1 := filepath.Abs(output)
	d, err2 := filepath.Abs(out)
	if err1 != nil || err2 != nil {
		return nil // openOutput and the record report the real problem
	}
	if rel, err := filepath.Rel(d, o); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return usagef("-output %s is inside -out %s: a run record directory holds only the record's own files; write the results beside it, like -output %s", output, out, filepath.Join(filepath.Dir(filepath.Clean(out)), filepath.Base(o)))
	}
	return nil
}

// openOutput opens -output: a file (created or truncated, written as the
// attack goes, like vegeta's) or stdout for "-".
func openOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, usagef("-output: %w", err)
	}
	return f, func() error {
		if err := f.Close(); err != nil {
			return fmt.Errorf("-output: %w", err)
		}
		return nil
	}, nil
}

// plan turns the attack flags into a validated runner.Plan.
func (f *attackFlags) plan(args []string) (runner.Plan, error) {
	sched, err := f.schedule()
	if err != nil {
		return runner.Plan{}, err
	}
	if f.conn.lazy {
		lz, err := f.lazyTargets()
		if err != nil {
			return runner.Plan{}, err
		}
		p, err := f.common(args, sched.End(), sched.Open())
		if err != nil {
			return runner.Plan{}, err
		}
		p.Lazy, p.Schedule = lz, sched
		return p, nil
	}
	tgts, tgroups, err := f.loadTargets()
	if err != nil {
		return runner.Plan{}, err
	}
	p, err := f.common(args, sched.End(), sched.Open())
	if err != nil {
		return runner.Plan{}, err
	}
	p.Targets, p.TargetGroups, p.Schedule = tgts, tgroups, sched
	return p, nil
}

// common is the plan of the flags that are not about targets and rates
// (options, grouping, collection, SLO, output), for schedules that end at
// end (0: never) and are open (false: -rate 0).
func (f *attackFlags) common(args []string, end time.Duration, open bool) (runner.Plan, error) {
	grouping, err := f.grouping()
	if err != nil {
		return runner.Plan{}, err
	}
	opts, err := f.optionsFor(end, open)
	if err != nil {
		return runner.Plan{}, err
	}
	col, err := f.collect.config()
	if err != nil {
		return runner.Plan{}, err
	}
	if col == nil {
		// Rejected now, not after the whole attack ran for nothing.
		for _, c := range f.slo.set.Checks() {
			if strings.HasPrefix(c.Key, "target_") {
				return runner.Plan{}, usagef("-slo %s checks the target itself, which needs the collector: give -metrics URL (Prometheus process_* metrics) or -pid PID (a local process) to measure its CPU and RSS", c.Expr)
			}
		}
	}
	out := f.out
	if out == "" {
		out = defaultOut(f.name, time.Now())
	}
	p := runner.Plan{
		Name:     f.name,
		Labels:   f.hist.labels,
		Grouping: grouping,
		Options:  opts,
		Interval: f.interval,
		Out:      out,
		Replace:  f.overwrite,
		Args:     redactArgs(append([]string{"attack"}, args...)),
		Collect:  col,
		SLO:      f.slo.set,

		SelfProfile: f.gen.selfProfile,
		Redactor:    f.env.redactor(),
	}
	f.trace.apply(&p)
	return p, nil
}

// afterRun is what the CLI does with a record once it is written.
type afterRun struct {
	history string // database to index it in ("" = none)
	junit   string // file for the JUnit verdict ("" = none)
}

func (f *attackFlags) after() afterRun {
	return afterRun{history: historyPath(f.hist.path), junit: f.junit}
}

// finish indexes a written record and writes its JUnit verdict.
func (a afterRun) finish(dir string, run *runrecord.Run, stderr io.Writer) error {
	indexRecord(a.history, dir, stderr)
	if a.junit == "" {
		return nil
	}
	return writeJUnit(a.junit, func(w io.Writer) error { return junit.WriteRun(w, run) })
}

// executeAttack runs the plan with Ctrl-C handling and progress, then prints
// the summary to stdout and the record's location to stderr, and indexes
// the record in the history.
func executeAttack(plan runner.Plan, after afterRun, stdout, stderr io.Writer, hooks attackHooks) (*runrecord.Run, error) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if hooks.stop != nil {
		go func() {
			select {
			case <-hooks.stop:
				stop()
			case <-ctx.Done():
			}
		}()
	}
	abort := make(chan struct{})
	plan.Abort = abort

	du := planDuration(plan)
	// Everything that can be checked is checked before the banner: bad
	// input never looks like an attack that started.
	if err := plan.Validate(); err != nil {
		return nil, usageError{inFlagWords(err)}
	}
	prog := newProgress(stderr, du)
	var show func(recording.IntervalStats)
	if isTerminal(stderr) {
		show = prog.interval(plan.Interval)
	}
	switch {
	case hooks.onInterval != nil && show != nil:
		plan.Progress = func(s recording.IntervalStats) { hooks.onInterval(s); show(s) }
	case hooks.onInterval != nil:
		plan.Progress = hooks.onInterval
	default:
		plan.Progress = show
	}
	if plan.Lazy != nil {
		fmt.Fprintf(stderr, "attacking targets read from %s as it goes (-lazy) at %s; record in %s\n",
			plan.Lazy.Name, describe(plan, du), plan.Out)
	} else {
		fmt.Fprintf(stderr, "attacking %d target(s) at %s; record in %s\n",
			plan.TargetCount(), describe(plan, du), plan.Out)
	}

	defer onInterrupt(func() {
		prog.say("stopping: waiting up to %s for requests in flight (Ctrl-C again to abort them)\n", plan.Options.Timeout)
		stop()
	}, func() {
		prog.say("aborting requests in flight\n")
		close(abort)
	})()

	var gc startGC
	defer gc.restore()
	started := plan.Started
	plan.Started = func(lag time.Duration) {
		gc.relieve()
		if started != nil {
			started(lag)
		}
	}
	ps := startProcs(hooks.cpus, peakRate(plan, du), runner.CPUTime)
	run, err := runner.Execute(ctx, plan)
	ps.restore()
	prog.done()
	if run != nil && run.Summary.Stream != nil && run.Summary.Stream.Ended == runrecord.StreamEnded {
		fmt.Fprintf(stderr, "the targets ran out after %d: the attack ended with them (-lazy)\n", run.Summary.Stream.Read)
	}
	if run != nil {
		// report.html is written last, from the record as it now is on disk.
		err = errors.Join(err, writeHTML(plan.Out))
	}
	var pe *runner.PlanError
	if errors.As(err, &pe) {
		return nil, usageError{inFlagWords(pe)}
	}
	if run == nil {
		return nil, err
	}
	if werr := text.Write(stdout, run.Summary); werr != nil && err == nil {
		err = werr
	}
	if run.Interrupted {
		fmt.Fprintf(stderr, "interrupted after %s; the record holds everything sent until then\n", run.Summary.Duration.Round(time.Millisecond))
	}
	fmt.Fprintf(stderr, "run record: %s\n", plan.Out)
	err = errors.Join(err, after.finish(plan.Out, run, stderr))
	return run, err
}

// planDuration is how long the plan sends: -duration or the end of its
// schedules, whichever comes first (0: until interrupted).
func planDuration(p runner.Plan) time.Duration {
	du := p.Options.Duration
	if end := p.End(); end > 0 && (du == 0 || end < du) {
		du = end
	}
	return du
}

func describe(p runner.Plan, du time.Duration) string {
	if du == 0 {
		return p.ScheduleString() + " until interrupted"
	}
	return fmt.Sprintf("%s for %s", p.ScheduleString(), du)
}
