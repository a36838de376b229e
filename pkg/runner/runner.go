// Package runner executes one planned attack end to end: it drives the
// attack, records latency, collects the target's evidence, and writes the
// complete run record, also when the attack is interrupted or aborted. It
// stops at the record: rendering reports is the caller's choice. It is what
// `loadgen attack` does, as a library:
//
//	run, err := runner.Execute(ctx, runner.Plan{Targets: tgts, Schedule: sched,
//		Options: attack.DefaultOptions(), Out: "runs/x"})
//
// Cancelling ctx stops sending and waits for requests in flight; closing
// Plan.Abort also fails the requests in flight. Either way the record is
// complete and consistent.
package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/groups"
	"github.com/loadgen/loadgen/pkg/livemetrics"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// Plan is one attack to run and where to record it.
type Plan struct {
	Name string
	// Labels are the user's key=value tags (git=abc123), kept in run.json.
	Labels  map[string]string
	Targets []vegeta.Target
	// Lazy, instead of Targets, reads the targets as the attack goes
	// (vegeta's -lazy): see LazyTargets.
	Lazy *LazyTargets
	// TargetGroups are the targets' own group names as their targets
	// file gives them (index = target, "" for none; nil for none at all).
	TargetGroups []string
	// Grouping says how targets form endpoint groups (rules, limit).
	Grouping groups.Options
	Schedule attack.Schedule
	// Scenarios, if set, are several streams of slots in one attack, on
	// one clock, into one record, each with its own targets and schedule;
	// Targets, TargetGroups and Schedule are then unused.
	Scenarios []Scenario
	Options   attack.Options
	Interval  time.Duration // latency interval (default 1 s)
	Out       string        // run directory; created if missing
	// Replace lets the run replace an earlier run record in Out (every
	// file of it is removed first). Without it, a directory holding a
	// record is refused (runrecord.ErrRecordExists): two runs never mix.
	Replace bool
	Args    []string // command line, for the record (header values redacted by the caller; URL secrets are masked here)
	Shard   *runrecord.Shard
	// Collect, if set, samples the target (pprof, metrics, expvar, /proc)
	// alongside the attack, after an idle baseline.
	Collect *collect.Config

	// Results, if set, receives every result in vegeta's ResultsFormat
	// encoding (recording.StreamGob by default), for vegeta's tools.
	Results       io.Writer
	ResultsFormat string

	// SLO, if set, is evaluated into the summary before run.json is written.
	SLO *slo.Set

	// Every, with OnReport, calls OnReport with the summary of the attack
	// so far once per Every while it runs (vegeta's report -every).
	Every    time.Duration
	OnReport func(runrecord.Summary)

	// Progress, if set, is called as each latency interval closes, in
	// order, from the recorder's writer goroutine: it should not block,
	// since a few intervals behind, recording waits for it.
	Progress func(recording.IntervalStats)
	// Started, if set, is called when the attack begins, with how late it
	// began against Options.Start (0 without a Start).
	Started func(lag time.Duration)
	// Abort, when closed, fails requests in flight (a second Ctrl-C).
	Abort <-chan struct{}
	// SelfProfile saves loadgen's own CPU profile in the run record.
	SelfProfile bool

	// Exemplars is how many of the slowest requests each interval keeps
	// (0: runrecord.DefaultExemplars).
	Exemplars int
	// TraceLink, with Options.Trace, is a trace viewer's URL template with
	// {trace_id}, recorded for the reports to link exemplars to traces.
	TraceLink string
	// LiveMetrics, if set, serves this attack's metrics while it runs (and
	// after, until the server closes or another attack is attached).
	LiveMetrics *livemetrics.Server
	// Redactor masks, besides runrecord's rules, the values the caller
	// knows to be secret (substituted from the environment) in everything
	// the record keeps: plan, arguments, labels, errors, warnings.
	Redactor *runrecord.Redactor
}

// Scenario is one stream of slots of a plan with several: a scenario of
// a load profile. Its slot n is due at the attack's start plus its own
// Schedule's Due(n), and goes to its own targets, round-robin.
type Scenario struct {
	Name         string
	Targets      []vegeta.Target
	TargetGroups []string // see Plan.TargetGroups
	Schedule     attack.Schedule
}

// LazyTargets are targets read from a stream as the attack needs them,
// a bounded number ahead (attack.TargetStream): each slot takes the next
// one, and the attack ends when the stream does. Their endpoint groups are
// made as they are read (groups.Online), by the plan's Grouping. A plan
// with them has one stream of slots and runs on one generator.
type LazyTargets struct {
	Src    io.Reader
	Name   string // the stream's name in errors and the record: a file name, "stdin"
	Format string // attack.FormatHTTP or attack.FormatJSON
	Header http.Header
	Body   []byte
	Ahead  int // targets read ahead (0: attack.DefaultAhead)

	// The stream is opened once, however many copies of the plan ask.
	once   sync.Once
	stream *attack.TargetStream
	online *groups.Online
	err    error
}

// ErrTargetStream is wrapped by the error of a run whose target stream
// had a bad target: the run ended there, and its record holds what was
// sent until then.
var ErrTargetStream = errors.New("target stream")

// open starts reading the stream, with p's grouping and redaction.
func (l *LazyTargets) open(p *Plan) (*attack.TargetStream, *groups.Online, error) {
	l.once.Do(func() {
		l.online = groups.NewOnline(p.Grouping)
		red := p.Redactor
		l.stream, l.err = attack.NewTargetStream(l.Src, l.Name, l.Format, l.Header, l.Body, attack.StreamOptions{
			Ahead: l.Ahead,
			OnRead: func(t *attack.LazyTarget) error {
				// Names come from URLs: the known secrets are masked
				// first, as for targets read before the attack.
				g, err := l.online.Add(groups.Endpoint{Method: t.Method, URL: red.Text(t.URL), Name: t.Group})
				t.Tag = g
				return err
			},
		})
	})
	return l.stream, l.online, l.err
}

// maxGroups is the group limit the plan's grouping gives.
func (p *Plan) maxGroups() int {
	return max(cmp.Or(p.Grouping.Max, groups.DefaultMax), 2)
}

// Streams are the plan's scenarios, or its targets and schedule as one
// unnamed stream.
func (p *Plan) Streams() []Scenario {
	if len(p.Scenarios) > 0 {
		return p.Scenarios
	}
	return []Scenario{{Targets: p.Targets, TargetGroups: p.TargetGroups, Schedule: p.Schedule}}
}

// End is when the plan's schedules end (0: one of them never does).
func (p *Plan) End() time.Duration {
	var end time.Duration
	for _, sc := range p.Streams() {
		e := sc.Schedule.End()
		if e == 0 {
			return 0
		}
		end = max(end, e)
	}
	return end
}

// ScheduleString describes the plan's rate shape(s).
func (p *Plan) ScheduleString() string {
	if len(p.Scenarios) == 0 {
		return p.Schedule.String()
	}
	parts := make([]string, len(p.Scenarios))
	for i, sc := range p.Scenarios {
		parts[i] = sc.Name + ": " + sc.Schedule.String()
	}
	return strings.Join(parts, "; ")
}

// allTargets are every scenario's targets, in order: the attack's.
func (p *Plan) allTargets() []vegeta.Target {
	var all []vegeta.Target
	for _, sc := range p.Streams() {
		all = append(all, sc.Targets...)
	}
	return all
}

// TargetCount is how many targets the plan attacks, every scenario's
// (0 with Lazy: they are not known before the attack).
func (p *Plan) TargetCount() int {
	n := 0
	for _, sc := range p.Streams() {
		n += len(sc.Targets)
	}
	return n
}

// ErrBadScenario is wrapped by the PlanError of a scenario without a
// name, with a name given twice, or without targets or a schedule.
var ErrBadScenario = errors.New("bad scenario")

// Validate checks a plan before anything is sent, changing nothing but
// creating Out: the targets, schedules and options as the attack will take
// them, the collector's configuration, and whether Out can receive the
// record. A caller that prints a banner calls it first, so bad input never
// follows an "attacking ..." line.
func (p *Plan) Validate() error {
	if err := p.checkStreams(); err != nil {
		return err
	}
	if _, err := p.attacker(); err != nil {
		return err
	}
	if p.Collect != nil {
		if _, err := collect.New(*p.Collect); err != nil {
			return err
		}
	}
	if p.Out == "" {
		return errors.New("no output directory")
	}
	if p.Interval != 0 && (p.Interval < 100*time.Millisecond || p.Interval%(10*time.Millisecond) != 0) {
		return fmt.Errorf("interval %s: must be at least 100ms and a multiple of 10ms", p.Interval)
	}
	if p.Exemplars < 0 || p.Exemplars > runrecord.MaxExemplars {
		return fmt.Errorf("%w: %d exemplars per interval, want 1 to %d", ErrExemplars, p.Exemplars, runrecord.MaxExemplars)
	}
	if p.TraceLink != "" {
		if err := report.CheckTraceLink(p.TraceLink); err != nil {
			return err
		}
	}
	switch p.ResultsFormat {
	case "", recording.StreamGob, recording.StreamJSON, recording.StreamCSV:
	default:
		return fmt.Errorf("unknown result stream format %q: want gob, json or csv", p.ResultsFormat)
	}
	if err := runrecord.CheckDir(p.Out, p.Replace); err != nil {
		return err
	}
	return runrecord.CheckWritable(p.Out)
}

// ErrExemplars is returned for an exemplar count out of range.
var ErrExemplars = errors.New("exemplars out of range")

// PlanError is a problem with the plan itself, found before any traffic.
type PlanError struct{ Err error }

func (e *PlanError) Error() string { return e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// ErrUnknownGroup is wrapped by the PlanError of an SLO check on a group
// or scenario the plan does not have.
var ErrUnknownGroup = errors.New("no such group")

// checkStreams checks every scenario's targets, schedule and name.
func (p *Plan) checkStreams() error {
	if p.Lazy != nil {
		switch {
		case len(p.Scenarios) > 0:
			return fmt.Errorf("%w: targets read as the attack goes make one stream of slots, not a profile's scenarios", attack.ErrLazy)
		case len(p.Targets) > 0:
			return fmt.Errorf("%w: give the targets or a stream of them, not both", attack.ErrLazy)
		case p.Shard != nil:
			return fmt.Errorf("%w: a target stream is read by one generator; shards each need every target", attack.ErrLazy)
		case len(p.SLO.Groups()) > 0 || len(p.SLO.Scenarios()) > 0:
			return fmt.Errorf("%w: SLO checks on groups need the groups before the attack; with targets read as it goes they are made on the way (check the whole run)", attack.ErrLazy)
		case p.Schedule == nil:
			return fmt.Errorf("%w: the plan has no schedule", ErrBadScenario)
		}
		return nil
	}
	seen := map[string]bool{}
	for i, sc := range p.Streams() {
		what := "the plan"
		if len(p.Scenarios) > 0 {
			what = fmt.Sprintf("scenario %d %q", i+1, sc.Name)
			if err := groups.CheckName(sc.Name); err != nil {
				return fmt.Errorf("%w %d: name: %w", ErrBadScenario, i+1, err)
			}
			if seen[sc.Name] {
				return fmt.Errorf("%w %d: the name %q is given twice", ErrBadScenario, i+1, sc.Name)
			}
			seen[sc.Name] = true
		}
		if len(sc.Targets) == 0 {
			return fmt.Errorf("%s: no targets: %w", what, attack.ErrNoTargets)
		}
		if sc.Schedule == nil {
			return fmt.Errorf("%w: %s has no schedule", ErrBadScenario, what)
		}
	}
	return nil
}

// attacker prepares the plan's attack: every stream on one clock.
func (p *Plan) attacker() (*attack.Attacker, error) {
	if p.Lazy != nil {
		st, _, err := p.Lazy.open(p)
		if err != nil {
			return nil, err
		}
		return attack.NewScenarios([]attack.Scenario{{Schedule: p.Schedule, Stream: st}}, p.Options)
	}
	var scs []attack.Scenario
	for _, sc := range p.Streams() {
		scs = append(scs, attack.Scenario{Name: sc.Name, Schedule: sc.Schedule, Targets: sc.Targets})
	}
	return attack.NewScenarios(scs, p.Options)
}

// Groups forms the plan's endpoint groups; problems are *PlanError.
func (p *Plan) Groups() (*groups.Set, error) {
	if err := p.checkStreams(); err != nil {
		return nil, &PlanError{err}
	}
	if p.Lazy != nil {
		_, online, err := p.Lazy.open(p)
		if err != nil {
			return nil, &PlanError{err}
		}
		return online.Set(), nil // the groups so far: they are made as targets are read
	}
	var eps []groups.Endpoint
	for _, sc := range p.Streams() {
		for i, t := range sc.Targets {
			// Group names come from URLs: the known secrets are masked
			// first (groups masks the rest), so no name carries one.
			e := groups.Endpoint{Method: t.Method, URL: p.Redactor.Text(t.URL), Scenario: sc.Name}
			if i < len(sc.TargetGroups) && sc.TargetGroups[i] != "" {
				if err := groups.CheckName(sc.TargetGroups[i]); err != nil {
					return nil, &PlanError{fmt.Errorf("target %d (%s %s): %w", i+1, t.Method, runrecord.RedactURL(t.URL), err)}
				}
				e.Name = sc.TargetGroups[i]
			}
			eps = append(eps, e)
		}
	}
	set := groups.Build(eps, p.Grouping)
	for _, g := range p.SLO.Groups() {
		if !slices.Contains(set.Names, g) {
			return nil, &PlanError{fmt.Errorf("SLO: %w %q in this plan; its groups: %s", ErrUnknownGroup, g, quoteAll(set.Names))}
		}
	}
	for _, sc := range p.SLO.Scenarios() {
		if !slices.Contains(set.Scenario, sc) {
			return nil, &PlanError{fmt.Errorf("SLO: %w: no scenario %q in this plan", ErrUnknownGroup, sc)}
		}
	}
	return set, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// Execute runs the plan and writes its run record to Plan.Out. Problems with
// the plan are reported as *PlanError before anything is sent.
func Execute(ctx context.Context, p Plan) (*runrecord.Run, error) {
	set, err := p.Groups()
	if err != nil {
		return nil, err
	}
	a, err := p.attacker()
	if err != nil {
		return nil, &PlanError{err}
	}
	// Every file of the record carries the run's id (runrecord.Seal).
	runID := runrecord.NewRunID()
	var col *collect.Collector
	if p.Collect != nil {
		cfg := *p.Collect
		cfg.RunID, cfg.Redactor = runID, p.Redactor
		if col, err = collect.New(cfg); err != nil {
			return nil, &PlanError{err}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, &PlanError{err}
	}
	// Nothing of an earlier run may survive into this record.
	if err := runrecord.PrepareDir(p.Out, p.Replace); err != nil {
		return nil, &PlanError{err}
	}
	if p.Interval == 0 {
		p.Interval = time.Second
	}
	highest := max(time.Hour, 2*(a.Duration()+p.Options.Timeout))
	var groupNames func() []string
	if p.Lazy != nil {
		_, online, _ := p.Lazy.open(&p)
		groupNames = online.Names
	}
	rec, err := recording.New(p.Out, recording.Config{
		Interval:   p.Interval,
		Highest:    highest,
		OnInterval: p.Progress,
		Exemplars:  p.Exemplars,
		Targets:    targetNames(p),
		Groups:     set.Names,
		GroupOf:    set.Of,
		GroupNames: groupNames,
		MaxGroups:  p.maxGroups(),

		Scenarios:     p.scenarioNames(),
		GroupScenario: groupScenarios(set, p.scenarioNames()),
		RunID:         runID,
		Redactor:      p.Redactor,
	})
	if err != nil {
		return nil, err
	}
	files := rec.Files()

	tickDone := make(chan struct{})
	defer close(tickDone)
	go func() {
		t := time.NewTicker(p.Interval / 4)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				rec.Tick(now)
			case <-p.Abort:
				a.Abort()
				return
			case <-tickDone:
				return
			}
		}
	}()

	if col != nil {
		col.Start(ctx, p.Out)
		col.WaitBaseline(ctx)
		col.Begin(a.Duration())
	}
	// The generator's own CPU is measured over the attack alone: the
	// collector's final CPU window may keep going after it.
	record := rec.Record
	if p.Lazy != nil {
		// Groups count the targets sent, not those read ahead.
		_, online, _ := p.Lazy.open(&p)
		record = func(r *attack.Result) {
			if r.Lazy != nil {
				online.Count(r.Lazy.Tag, r.Lazy.Method+" "+r.Lazy.URL)
			}
			rec.Record(r)
		}
	}
	var stream *recording.Stream
	if p.Results != nil {
		if stream, err = recording.NewStream(p.Results, p.ResultsFormat, p.allTargets(), p.Name, p.Redactor); err != nil {
			return nil, &PlanError{err}
		}
		inner := record
		record = func(r *attack.Result) {
			inner(r)
			stream.Add(r)
		}
	}
	self := startSelfMeter(p.SelfProfile)
	var lag time.Duration
	if start := p.Options.Start; !start.IsZero() {
		lag = waitUntil(ctx, start)
	}
	if p.Started != nil {
		p.Started(lag)
	}
	var live *livemetrics.Metrics
	if p.LiveMetrics != nil {
		live = livemetrics.New(a, liveInfo(p, a))
		p.LiveMetrics.Attach(live)
		inner := record
		record = func(r *attack.Result) {
			inner(r)
			live.Observe(r)
		}
	}
	stopEvery := reportEvery(p, rec)
	out := a.Run(ctx, record)
	stopEvery()
	if live != nil {
		live.Finish(out)
	}
	sum, recErr := rec.Close(out)
	if stream != nil {
		recErr = errors.Join(recErr, stream.Close())
	}
	if len(p.Scenarios) == 0 && !p.Schedule.Open() {
		// Rate 0: a request leaves when a worker is free; there is no
		// intended time, so no lag (latency is service latency).
		sum.DispatchLag = runrecord.Lag{NotApplicable: true}
	}
	var streamErr error
	if p.Lazy != nil {
		_, online, _ := p.Lazy.open(&p)
		set = online.Set()
		sum.Stream = &runrecord.TargetStream{Source: p.Lazy.Name, Read: out.TargetsRead, Late: out.TargetsLate}
		switch {
		case out.StreamEnd == nil:
		case errors.Is(out.StreamEnd, io.EOF):
			sum.Stream.Ended = runrecord.StreamEnded
		default:
			sum.Stream.Ended = p.Redactor.Text(out.StreamEnd.Error())
			streamErr = fmt.Errorf("%w: %w", ErrTargetStream, out.StreamEnd)
		}
	}
	describeGroups(&sum, set)
	if p.Lazy != nil {
		// Groups made for targets read ahead and never sent are left out
		// (readers find a group by its tag, not its place).
		sum.Groups = slices.DeleteFunc(sum.Groups, func(g runrecord.GroupSummary) bool { return g.Requests == 0 })
		if sum.GroupFolding != nil {
			sum.GroupFolding.Groups = len(sum.Groups)
		}
	}
	for i := range sum.Scenarios {
		if i < len(p.Scenarios) {
			sum.Scenarios[i].Schedule = p.Scenarios[i].Schedule.String()
		}
	}
	sum.Generator = self.stop(a.Client(), p.Options.Pacing, a.MaxWorkers(), out, sum)
	if err := self.saveProfile(p.Out); err != nil && recErr == nil {
		recErr = err
	} else if p.SelfProfile {
		files = append(files, runrecord.ProfilesDir+"/"+runrecord.ProfileSelfCPU)
	}
	if col != nil {
		var colErr error
		sum.Target, colErr = stopCollector(ctx, col, p)
		recErr = errors.Join(recErr, colErr)
		files = append(files, col.Files()...)
	}
	run := &runrecord.Run{
		RunID:       runID,
		Kind:        runrecord.KindAttack,
		Name:        p.Name,
		Labels:      redactLabels(p.Redactor, p.Labels),
		Tool:        Versions(),
		Host:        ThisHost(),
		Plan:        PlanRecord(p),
		Start:       out.Began.UTC(),
		End:         out.Ended.UTC(),
		Shard:       shardRecord(p.Shard, lag),
		Interrupted: out.Interrupted,
		Aborted:     out.Aborted,
		Interval:    int64(p.Interval),
		Summary:     sum,
	}
	run.Plan.Client = a.Client()
	if out.Ended.Before(out.Began) {
		run.End = run.Start
	}
	run.Summary.SLO = p.SLO.Evaluate(run.Summary)
	if err := runrecord.Seal(p.Out, run, files...); err != nil {
		return run, err
	}
	return run, errors.Join(recErr, streamErr)
}

// shardRecord is the plan's shard with the start lag measured.
func shardRecord(s *runrecord.Shard, lag time.Duration) *runrecord.Shard {
	if s == nil {
		return nil
	}
	c := *s
	c.StartLag = lag
	return &c
}

// spin is how long before a start instant waitUntil stops sleeping on a
// timer and polls the clock: Go's timers wake about a millisecond late on
// an idle process, and shards that share a start should begin together.
const spin = 2 * time.Millisecond

// waitUntil waits until t (or ctx is done) and returns how late it woke.
// A start already past returns at once, with its lateness.
func waitUntil(ctx context.Context, t time.Time) time.Duration {
	if d := time.Until(t) - spin; d > 0 {
		tm := time.NewTimer(d)
		select {
		case <-tm.C:
		case <-ctx.Done():
			tm.Stop()
			return 0
		}
	}
	for time.Now().Before(t) {
		runtime.Gosched()
	}
	return time.Since(t)
}

// scenarioNames are the plan's scenarios' names (nil without scenarios).
func (p *Plan) scenarioNames() []string {
	var out []string
	for _, sc := range p.Scenarios {
		out = append(out, sc.Name)
	}
	return out
}

// groupScenarios maps each group to its scenario's index.
func groupScenarios(set *groups.Set, names []string) []int {
	out := make([]int, len(set.Names))
	for g, sc := range set.Scenario {
		out[g] = slices.Index(names, sc)
	}
	return out
}

// describeGroups adds what the grouping knows to the recorded groups.
func describeGroups(sum *runrecord.Summary, set *groups.Set) {
	for i := range sum.Groups {
		if i < len(set.Names) {
			sum.Groups[i].Scenario = set.Scenario[i]
			sum.Groups[i].Targets = set.Targets[i]
		}
	}
	sum.GroupFolding = set.Folding
}

// stopCollector ends collection and writes its files. Ctrl-C (ctx) does
// not cut it short, so an interrupted run keeps what was collected; Abort
// (a second Ctrl-C) does.
func stopCollector(ctx context.Context, col *collect.Collector, p Plan) (*runrecord.TargetSummary, error) {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		select {
		case <-p.Abort:
			cancel()
		case <-sctx.Done():
		}
	}()
	return col.Stop(sctx)
}

// maxPlanTargets bounds the targets run.json lists.
const maxPlanTargets = 100

// redactLabels masks secrets in label values.
func redactLabels(r *runrecord.Redactor, labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return labels
	}
	out := make(map[string]string, len(labels))
	for k, v := range labels {
		out[k] = r.Text(v)
	}
	return out
}

// PlanRecord is the plan as written to run.json, secrets redacted.
func PlanRecord(p Plan) runrecord.Plan {
	o := p.Options
	rp := runrecord.Plan{
		Schedule:       p.ScheduleString(),
		Duration:       o.Duration,
		Workers:        o.Workers,
		Connections:    o.Connections,
		MaxConnections: o.MaxConnections,
		Timeout:        o.Timeout,
		KeepAlive:      o.KeepAlive,
		HTTP2:          o.HTTP2,
		H2C:            o.H2C,
		Insecure:       o.Insecure,
		Redirects:      o.Redirects,
		MaxBody:        o.MaxBody,
		Args:           redactArgs(p.Redactor, p.Args),
		SLO:            p.SLO.String(),
		MaxGroups:      p.Grouping.Max,
	}
	for _, r := range p.Grouping.Rules {
		rp.GroupRules = append(rp.GroupRules, r.String())
	}
	if p.Collect != nil {
		// Record() drops header values and URL credentials.
		c := *p.Collect
		c.Redactor = p.Redactor
		rp.Collect = c.Record()
	}
	if o.MaxWorkers != vegeta.DefaultMaxWorkers {
		rp.MaxWorkers = o.MaxWorkers
	}
	if rp.MaxWorkers == 0 {
		rp.MaxWorkers = attack.DefaultMaxWorkers
	}
	rp.Exemplars = cmp.Or(p.Exemplars, runrecord.DefaultExemplars)
	if p.LiveMetrics != nil {
		rp.ListenMetrics = p.LiveMetrics.URL()
	}
	if o.Trace {
		rp.Trace = &runrecord.PlanTrace{Header: attack.TraceparentHeader, Sample: o.TraceSample, Link: p.TraceLink}
	}
	var all []vegeta.Target
	for _, sc := range p.Streams() {
		all = append(all, sc.Targets...)
		if len(p.Scenarios) > 0 {
			rp.Scenarios = append(rp.Scenarios, runrecord.PlanScenario{Name: sc.Name, Schedule: sc.Schedule.String(), Targets: len(sc.Targets)})
		}
	}
	for i, t := range all {
		if i == maxPlanTargets {
			// A file of 10,000 URLs would make run.json megabytes of
			// targets; the file itself says them all.
			rp.TargetsTotal = len(all)
			break
		}
		rp.Targets = append(rp.Targets, runrecord.PlanTarget{
			Method:    t.Method,
			URL:       p.Redactor.Text(t.URL),
			Header:    p.Redactor.Header(t.Header),
			BodyBytes: len(t.Body),
		})
	}
	return rp
}

// liveInfo is the plan as the live metrics' info labels.
func liveInfo(p Plan, a *attack.Attacker) livemetrics.Info {
	in := livemetrics.Info{
		Name:        p.Name,
		Schedule:    p.ScheduleString(),
		Duration:    a.Duration(),
		Client:      a.Client(),
		Pacing:      cmp.Or(p.Options.Pacing, attack.PacingCoarse),
		Targets:     targetNames(p),
		Redactor:    p.Redactor,
		TraceSample: -1,
	}
	if p.Options.Trace {
		in.TraceSample = p.Options.TraceSample
	}
	if p.Shard != nil {
		in.Shard = fmt.Sprintf("%d/%d", p.Shard.Index+1, p.Shard.Count)
	}
	return in
}

// targetNames are the attack's targets (every scenario's, in order) as
// exemplars and live metrics name them: "METHOD URL", secrets in the URL
// redacted.
func targetNames(p Plan) []string {
	all := p.allTargets()
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.Method + " " + p.Redactor.Text(t.URL)
	}
	return names
}

// redactArgs hides secrets in recorded arguments, alone or as -flag=VALUE:
// URL passwords and credential-looking query values, and the values of
// "Name: value" headers whose name looks secret. The caller knows its own
// flags and redacts what only they reveal (a collector header with a
// harmless name); this is the floor every record gets.
func redactArgs(r *runrecord.Redactor, args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		prefix, v := "", a
		if k, rest, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "-") {
			prefix, v = k+"=", rest
		}
		out[i] = r.Text(a)
		if name, _, ok := strings.Cut(v, ":"); ok && !strings.Contains(v, "://") && !strings.ContainsAny(strings.TrimSpace(name), " \t") && runrecord.IsSecretHeader(strings.TrimSpace(name)) {
			out[i] = prefix + strings.TrimSpace(name) + ": " + runrecord.Redacted
		}
	}
	return out
}

// Versions reports loadgen's, Go's and vegeta's versions.
func Versions() runrecord.Tool {
	t := runrecord.Tool{Loadgen: "devel", Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			t.Loadgen = v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && t.Loadgen == "devel" {
				t.Loadgen = "devel-" + s.Value[:min(12, len(s.Value))]
			}
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/tsenart/vegeta/v12" {
				t.Vegeta = d.Version
			}
		}
	}
	return t
}

// ThisHost describes the generator's machine.
func ThisHost() runrecord.Host {
	h, _ := os.Hostname()
	return runrecord.Host{Hostname: h, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU()}
}

// reportEvery calls p.OnReport with the summary so far every p.Every from
// now (the attack's start) until the returned stop is called.
func reportEvery(p Plan, rec *recording.Recorder) (stop func()) {
	if p.Every <= 0 || p.OnReport == nil {
		return func() {}
	}
	began := time.Now()
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(p.Every)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				p.OnReport(rec.Snapshot(began, now))
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); <-exited }
}
