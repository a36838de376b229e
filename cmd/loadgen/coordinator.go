package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/coordinator"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runner"
)

// coordFlags are the coordinator's own flags.
type coordFlags struct {
	shards         int
	listen         string
	barrierTimeout time.Duration
	shardTimeout   time.Duration
	hold           time.Duration
}

func (c *coordFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&c.shards, "shards", 0, "number of shards that make the run (each started with -shard I/N -coordinator URL)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:7070", "address the coordinator listens on for its shards (:7070 for every interface)")
	fs.DurationVar(&c.barrierTimeout, "barrier-timeout", coordinator.DefaultBarrierTimeout, "how long to wait for every shard to register; past it the run is called off, naming the missing shards")
	fs.DurationVar(&c.shardTimeout, "shard-timeout", coordinator.DefaultShardTimeout, "a shard silent this long is lost (it reports every second)")
	fs.DurationVar(&c.hold, "hold", 0, "after writing the record, keep running this long (or until Ctrl-C/SIGTERM) so it can be copied out, as with kubectl cp")
}

const coordinatorSynopsis = "-shards N [-listen ADDR] [flags] [attack flags] [PROFILE.yaml]"

func runCoordinator(args []string, stdout, stderr io.Writer) error {
	var (
		af  attackFlags
		cf  coordFlags
		out *string
	)
	fs, _, err := parseWithProfile("coordinator", coordinatorSynopsis, args, stderr, func(fs *flag.FlagSet) {
		af, cf = attackFlags{}, coordFlags{}
		af.register(fs)
		cf.register(fs)
		out = fs.String("out", "", "merged run record directory (default runs/<name>-<UTC time>); each shard's own record goes in shards/I under it")
	})
	if err != nil {
		return err
	}
	af.parsed(fs, stderr)
	if cf.shards < 1 {
		return usagef("-shards N is required: how many shards make the run")
	}
	if cf.shardTimeout < 2*time.Second {
		return usagef("-shard-timeout %s: must be at least 2s (shards report every second)", cf.shardTimeout)
	}
	af.out = *out
	if af.conn.lazy {
		return usagef("-lazy: the coordinator sends every shard the same targets, and a stream is read once by one generator: give it a targets file without -lazy")
	}
	plan, err := af.plan(args)
	if err != nil {
		return err
	}
	plan.Args = redactArgs(append([]string{"coordinator"}, args...))
	// The coordinator sends nothing, but a plan its shards could not run
	// is refused here, before anyone waits for it.
	if _, err := attack.New(plan.Targets, plan.Schedule, plan.Options); err != nil {
		return usageError{inFlagWords(err)}
	}
	var logMu sync.Mutex
	clear := ""
	if isTerminal(stderr) {
		clear = "\r\033[K" // over the progress line
	}
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "%s%s %s\n", clear, time.Now().UTC().Format("15:04:05.000Z"), fmt.Sprintf(format, a...))
	}
	abort := make(chan struct{})
	cp := coordinator.PlanOf(plan.Targets, plan.Schedule, plan.Options, plan.Interval, cf.shards)
	c, err := coordinator.New(coordinator.Config{
		Plan:           cp,
		PlanRecord:     runner.PlanRecord(plan),
		Name:           plan.Name,
		Labels:         plan.Labels,
		Schedule:       plan.Schedule,
		Duration:       plan.Options.Duration,
		Timeout:        plan.Options.Timeout,
		Out:            plan.Out,
		BarrierTimeout: cf.barrierTimeout,
		ShardTimeout:   cf.shardTimeout,
		Collect:        plan.Collect,
		SLO:            plan.SLO,
		Tool:           runner.Versions(),
		Host:           runner.ThisHost(),
		Logf:           logf,
		Progress:       coordinatorProgress(stderr, &logMu),
		Abort:          abort,
	})
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", cf.listen)
	if err != nil {
		return usagef("-listen: %w", err)
	}
	du := plan.Options.Duration
	if end := plan.Schedule.End(); end > 0 && (du == 0 || end < du) {
		du = end
	}
	logf("coordinator on http://%s for %d shards of %d target(s) at %s (plan %s); record in %s",
		ln.Addr(), cf.shards, len(plan.Targets), describe(plan, du), cp.Hash(), plan.Out)
	logf("start each shard with: loadgen attack -shard I/%d -coordinator http://%s [the same attack flags]", cf.shards, ln.Addr())

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	release := onInterrupt(func() {
		logf("interrupted: stopping the shards (Ctrl-C again to stop waiting for their records)")
		stop()
	}, func() { close(abort) })
	run, err := c.Run(ctx, ln)
	release()
	if run != nil {
		err = errors.Join(err, writeHTML(plan.Out))
		if werr := text.Write(stdout, run.Summary); werr != nil && err == nil {
			err = werr
		}
		if werr := text.WriteShards(stdout, run.Shards); werr != nil && err == nil {
			err = werr
		}
		fmt.Fprintf(stderr, "run record: %s (each shard's own in %s/shards)\n", plan.Out, plan.Out)
		err = errors.Join(err, af.after().finish(plan.Out, run, stderr))
		holdFor(cf.hold, plan.Out, logf)
	}
	var mm *coordinator.MismatchError
	switch {
	case errors.As(err, &mm):
		return usageError{err}
	case err != nil:
		return exitError{exitFailure, err}
	}
	return sloFailure(run.Summary.SLO)
}

// holdFor keeps the process up after the record is written, so it can be
// copied out of a container that stops with it.
func holdFor(d time.Duration, out string, logf func(string, ...any)) {
	if d <= 0 {
		return
	}
	logf("holding for %s so the record can be copied (kubectl cp POD:%s ./%s); Ctrl-C or SIGTERM ends it", d, out, out)
	done := make(chan struct{})
	release := onInterrupt(func() { close(done) }, func() {})
	defer release()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}

// coordinatorProgress prints one line per merged interval: on a terminal
// it overwrites itself, elsewhere (a container's log) each is a line.
func coordinatorProgress(w io.Writer, mu *sync.Mutex) func(coordinator.Progress) {
	term := isTerminal(w)
	return func(p coordinator.Progress) {
		mu.Lock()
		defer mu.Unlock()
		partial := ""
		if p.Partial {
			partial = " (partial: a shard lags)"
		}
		line := fmt.Sprintf("[%s] %.0f req/s  p99 %s  errors %d (total %d of %d)  shards %d/%d alive%s",
			p.Elapsed.Truncate(time.Second), p.Rate, text.Round(p.P99), p.Errors, p.ErrorsSoFar, p.Requests, p.Alive, p.Shards, partial)
		if term {
			fmt.Fprintf(w, "\r\033[K%s", line)
			return
		}
		fmt.Fprintln(w, line)
	}
}
