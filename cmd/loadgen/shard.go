package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/coordinator"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// shardFlags make an attack one shard of several.
type shardFlags struct {
	shard       string
	coordinator string
	joinTimeout time.Duration
}

func (s *shardFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.shard, "shard", "", "send only shard I of N of the schedule (I/N, 0-based): slots n with n mod N = I, each at its own intended time, targets round-robin over the global slot number; env:VAR/N reads I from an environment variable, like env:JOB_COMPLETION_INDEX/8 in a Kubernetes Indexed Job")
	fs.StringVar(&s.coordinator, "coordinator", "", "URL of a 'loadgen coordinator', like http://127.0.0.1:7070 (needs -shard): register, start with the other shards at its barrier, stream intervals to it and upload the record; the SLO and the collector are the coordinator's, so -slo and collector flags are ignored here")
	fs.DurationVar(&s.joinTimeout, "join-timeout", coordinator.DefaultJoinTimeout, "how long a shard keeps trying to reach its -coordinator (before the start, and to deliver its record)")
}

// parse reads -shard: index and count, or 0, 0 when not sharded.
func (s *shardFlags) parse() (int, int, error) {
	if s.shard == "" {
		if s.coordinator != "" {
			return 0, 0, usagef("-coordinator needs -shard I/N (this generator's share)")
		}
		return 0, 0, nil
	}
	is, ns, ok := strings.Cut(s.shard, "/")
	if !ok {
		return 0, 0, usagef("-shard %q: want I/N like 2/8, or env:VAR/N like env:JOB_COMPLETION_INDEX/8", s.shard)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return 0, 0, usagef("-shard %q: N must be a positive number of shards", s.shard)
	}
	if v, ok := strings.CutPrefix(is, "env:"); ok {
		val, set := os.LookupEnv(v)
		if !set || v == "" {
			return 0, 0, usagef("-shard %q: environment variable %s is not set", s.shard, v)
		}
		is = val
	}
	i, err := strconv.Atoi(strings.TrimSpace(is))
	if err != nil || i < 0 || i >= n {
		return 0, 0, usagef("-shard %q: index %q must be a number from 0 to %d", s.shard, is, n-1)
	}
	return i, n, nil
}

// apply makes plan this generator's share of the schedule.
func (s *shardFlags) apply(plan *runner.Plan) error {
	i, n, err := s.parse()
	if err != nil || n == 0 {
		return err
	}
	plan.Shard = &runrecord.Shard{Index: i, Count: n}
	plan.Options.Shard, plan.Options.Shards = uint64(i), uint64(n)
	if s.coordinator != "" {
		// The coordinator collects and judges the merged result; a
		// shard's share alone would give a wrong verdict.
		plan.SLO, plan.Collect = nil, nil
		plan.Shard.Coordinator = runrecord.RedactURL(s.coordinator)
	}
	return nil
}

// executeShard runs the plan as one shard of a coordinated attack:
// register (the plan is checked before any traffic), wait at the
// barrier, attack from the common start while streaming intervals, and
// upload the record. The record is complete in plan.Out whatever happens
// to the coordinator.
func executeShard(plan runner.Plan, sf shardFlags, cpus int, after afterRun, stdout, stderr io.Writer) (*runrecord.Run, error) {
	if err := plan.Validate(); err != nil {
		return nil, usageError{err}
	}
	if _, err := attack.New(plan.Targets, plan.Schedule, plan.Options); err != nil {
		return nil, usageError{inFlagWords(err)}
	}
	var logMu sync.Mutex
	logf := func(format string, a ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "shard %d/%d: %s\n", plan.Shard.Index, plan.Shard.Count, fmt.Sprintf(format, a...))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := onInterrupt(cancel, func() {})
	host, _ := os.Hostname()
	cp := coordinator.PlanOf(plan.Targets, plan.Schedule, plan.Options, plan.Interval, plan.Shard.Count)
	link, err := coordinator.Join(ctx, coordinator.ShardConfig{
		URL: sf.coordinator, Index: plan.Shard.Index, Plan: cp,
		Host: host, Version: runner.Versions().Loadgen,
		JoinTimeout: sf.joinTimeout, Logf: logf,
	})
	var start time.Time
	if err == nil {
		start, err = link.WaitStart(ctx)
	}
	release()
	if err != nil {
		var rf *coordinator.RefusedError
		switch {
		case errors.As(err, &rf):
			return nil, usageError{fmt.Errorf("%w; nothing was sent", err)}
		case ctx.Err() != nil:
			return nil, fmt.Errorf("interrupted before the start; nothing was sent")
		}
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	plan.Options.Start = start
	plan.Shard.ClockOffset, plan.Shard.RTT = link.ClockOffset(), link.RTT()
	plan.Shard.Start = start.Add(link.ClockOffset()).UTC()
	logf("start at %s (in %s)", plan.Shard.Start.Format("15:04:05.000Z"), time.Until(start).Round(time.Millisecond))
	plan.Started = link.Started
	run, err := executeAttack(plan, after, stdout, stderr, attackHooks{
		onInterval: link.Interval,
		stop:       link.Stop(),
		cpus:       cpus,
	})
	if run == nil {
		link.Finish(context.Background(), plan.Out) // stops the link's sender
		return nil, err
	}
	if ferr := link.Finish(context.Background(), plan.Out); ferr != nil {
		note := fmt.Sprintf("could not deliver this record to the coordinator (%v); it is complete here", ferr)
		run.Shard.Note = note
		if werr := runrecord.Write(plan.Out, run); werr != nil {
			err = errors.Join(err, werr)
		}
		logf("%s: %s", note, plan.Out)
		return run, errors.Join(err, fmt.Errorf("shard %d: %w", plan.Shard.Index, ferr))
	}
	logf("record delivered to the coordinator")
	return run, err
}

// attackHooks let a caller watch and stop an attack that executeAttack
// runs (a shard streams intervals and obeys its coordinator's stop).
type attackHooks struct {
	onInterval func(recording.IntervalStats)
	stop       <-chan struct{}
	cpus       int // -cpus (0: picked from the rate, see startProcs)
}
