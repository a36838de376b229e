package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/groups"
	"github.com/loadgen/loadgen/pkg/runner"
)

// attackFlags are the flags every command that attacks shares (attack,
// capacity, ...), with vegeta's names and meanings.
type attackFlags struct {
	env      *profileEnv // a load profile's ${NAME} substitution (nil: none)
	name     string
	rate     string
	stages   string
	sine     string
	duration time.Duration
	urls     stringList
	targets  string
	format   string
	method   string
	headers  stringList
	body     string
	interval time.Duration
	opts     attack.Options
	maxWork  countFlag
	collect  collectFlags
	slo      sloValue
	gen      genFlags
	hist     historyFlags
	junit    string
	outFlags
	output       string
	outputFormat string
	every        time.Duration
	conn         connFlags
	trace        traceFlags

	set  map[string]bool // flags the command line gave
	warn io.Writer       // where plan warnings go

	group  groupRulesFlag
	maxGrp int
}

// parsed notes which flags were given: some defaults depend on it (the
// default -duration does not cut -stages).
func (f *attackFlags) parsed(fs *flag.FlagSet, warn io.Writer) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	f.warn = warn
}

// groupRulesFlag is the repeatable -group NAME=[METHOD ]PATTERN flag,
// parsed as it is given so a profile's bad rule names its line.
type groupRulesFlag []groups.Rule

func (g *groupRulesFlag) String() string {
	if g == nil {
		return ""
	}
	var s []string
	for _, r := range *g {
		s = append(s, r.String())
	}
	return strings.Join(s, " ")
}

func (g *groupRulesFlag) Set(v string) error {
	r, err := groups.ParseRule(v)
	if err != nil {
		return err
	}
	*g = append(*g, r)
	return nil
}

func (f *attackFlags) register(fs *flag.FlagSet) {
	d := attack.DefaultOptions()
	f.opts = d
	fs.StringVar(&f.name, "name", "", "attack name, recorded in the run and sent as X-Vegeta-Attack")
	fs.StringVar(&f.rate, "rate", "50/1s", "constant request rate: N per second, or N/unit like 50/100ms (0 = as fast as possible: -max-workers requests at once, by default -workers; dispatch lag does not apply)")
	fs.StringVar(&f.stages, "stages", "", "piecewise-linear rate ramps DURATION:RATE,... from 0, like 30s:1000,60s:5000,30s:0 (overrides -rate)")
	fs.StringVar(&f.sine, "sine", "", "sine-shaped rate mean=N,amp=N,period=DUR[,phase=RAD], like mean=1000,amp=500,period=1m (overrides -rate)")
	fs.DurationVar(&f.duration, "duration", 10*time.Second, "how long to attack (0 = until Ctrl-C); -stages run to their end unless -duration is given")
	fs.Var(&f.urls, "url", "target URL (repeatable; round-robin)")
	fs.StringVar(&f.targets, "targets", "", "targets file in vegeta's -format (instead of -url); - reads stdin, which is also the default when no -url is given and stdin is a pipe or file")
	fs.StringVar(&f.format, "format", attack.FormatHTTP, "targets file format: http or json (vegeta's formats)")
	fs.StringVar(&f.method, "method", http.MethodGet, "HTTP method for -url targets")
	fs.Var(&f.headers, "header", "request header \"Name: value\" (repeatable)")
	fs.StringVar(&f.body, "body", "", "file whose contents are the request body")
	fs.DurationVar(&f.interval, "interval", time.Second, "latency interval for the timeline and hlog (>= 100ms, multiple of 10ms)")
	fs.Uint64Var(&f.opts.Workers, "workers", d.Workers, "initial number of workers")
	f.maxWork.n = attack.DefaultMaxWorkers
	fs.Var(&f.maxWork, "max-workers", "maximum number of workers: caps requests in flight, and so connections per host; workers grow only while slots wait and the backlog is not draining (vegeta's default is unlimited; a rate of 0 needs it set)")
	fs.IntVar(&f.opts.Connections, "connections", d.Connections, "maximum idle open connections per target host")
	fs.IntVar(&f.opts.MaxConnections, "max-connections", d.MaxConnections, "maximum connections per target host (0 = no limit beyond -max-workers)")
	fs.Uint64Var(&f.opts.MaxWaiting, "max-waiting", 0, "maximum slots due and waiting for a free worker; past it the oldest count as missed (0 = no count cap; slots waiting longer than -timeout always count as missed)")
	fs.DurationVar(&f.opts.Timeout, "timeout", d.Timeout, "request timeout")
	fs.BoolVar(&f.opts.KeepAlive, "keepalive", d.KeepAlive, "use persistent connections")
	fs.BoolVar(&f.opts.HTTP2, "http2", d.HTTP2, "send HTTP/2 requests when supported by the server")
	fs.BoolVar(&f.opts.H2C, "h2c", false, "send HTTP/2 requests without TLS encryption")
	fs.BoolVar(&f.opts.Insecure, "insecure", false, "ignore invalid server TLS certificates")
	fs.IntVar(&f.opts.Redirects, "redirects", d.Redirects, "number of redirects to follow (-1 = do not follow, report them as responses)")
	fs.Int64Var(&f.opts.MaxBody, "max-body", d.MaxBody, "bytes of each response body to read into memory (-1 = all); the rest is read and discarded")
	fs.StringVar(&f.output, "output", "", "also write every result to this file (- = stdout, the summary then goes to stderr) in vegeta's format, for vegeta report, plot and encode; "+
		"Timestamp is each request's intended send time and Latency runs from it")
	fs.StringVar(&f.outputFormat, "output-format", "gob", "format of -output: gob (what vegeta attack writes), json or csv (vegeta encode's)")
	fs.DurationVar(&f.every, "every", 0, "print the summary of the attack so far every this often, like vegeta report -every (0 = only at the end)")
	f.conn.register(fs)
	f.collect.register(fs)
	fs.Var(&f.slo, "slo", sloHelp)
	f.gen.register(fs, &f.opts)
	f.hist.register(fs)
	fs.StringVar(&f.junit, "junit", "", "also write the verdict as JUnit XML to FILE for CI (each -slo check a test case, failures with the measured value)")
	f.trace.register(fs, &f.opts)
	fs.Var(&f.group, "group", "name the endpoint group of the targets that match: NAME=[METHOD ]PATTERN, PATTERN a glob over the URL path\n(over path?query when it has a ?), like orders=POST /orders or user=/users/* (repeatable; first match wins;\na targets file's \"# @group NAME\" line or \"group\" field wins over it). Without one, a group is a method and URL")
	fs.IntVar(&f.maxGrp, "max-groups", groups.DefaultMax, "most endpoint groups a run keeps: past it, query values and then id-like path segments\nare folded (/users/{id}?page=*), and the groups with the fewest targets go to \"other\"")
}

// schedule builds the rate shape from -rate, -stages or -sine.
func (f *attackFlags) schedule() (attack.Schedule, error) {
	switch {
	case f.stages != "" && f.sine != "":
		return nil, usagef("give -stages or -sine, not both")
	case f.stages != "":
		s, err := attack.ParseStages(f.stages)
		if err != nil {
			return nil, usageError{err}
		}
		return s, nil
	case f.sine != "":
		s, err := attack.ParseSine(f.sine)
		if err != nil {
			return nil, usageError{err}
		}
		return s, nil
	}
	s, err := attack.ParseRate(f.rate)
	if err != nil {
		return nil, usageError{err}
	}
	return s, nil
}

// loadTargets reads -url/-targets with -method, -header and -body, and
// the targets file's group names (nil when it gives none).
func (f *attackFlags) loadTargets() ([]vegeta.Target, []string, error) {
	hdr := http.Header{}
	for _, h := range f.headers {
		k, v, err := attack.ParseHeader(h)
		if err != nil {
			return nil, nil, usageError{err}
		}
		hdr.Add(k, v)
	}
	var body []byte
	if f.body != "" {
		b, err := os.ReadFile(f.body)
		if err != nil {
			return nil, nil, usagef("-body: %w", err)
		}
		if body, err = f.env.expand(f.body, b); err != nil {
			return nil, nil, usagef("-body %s: %w", f.body, err)
		}
	}
	switch {
	case f.targets != "" && len(f.urls) > 0:
		return nil, nil, usagef("give -url or -targets, not both")
	case f.targets == "-" || (f.targets == "" && len(f.urls) == 0 && stdinPiped()):
		// vegeta's habit: `echo "GET http://..." | loadgen attack`.
		t, g, err := attack.ReadGroupedTargets(os.Stdin, "stdin", f.format, hdr, body)
		if errors.Is(err, attack.ErrNoTargets) && f.targets == "" {
			return nil, nil, usageError{inFlagWords(err)}
		}
		if err != nil {
			return nil, nil, usagef("-targets: %w", err)
		}
		return t, g, nil
	case f.targets != "":
		src, err := os.ReadFile(f.targets)
		if err != nil {
			return nil, nil, usagef("-targets: %w", err)
		}
		if src, err = f.env.expand(f.targets, src); err != nil {
			return nil, nil, usagef("-targets %s: %w", f.targets, err)
		}
		t, g, err := attack.ReadGroupedTargets(bytes.NewReader(src), f.targets, f.format, hdr, body)
		if err != nil {
			return nil, nil, usageError{err}
		}
		return t, g, nil
	}
	t, err := attack.TargetsFromURLs(f.urls, f.method, hdr, body)
	if err != nil {
		return nil, nil, usageError{inFlagWords(err)}
	}
	return t, nil, nil
}

// lazyTargets is -lazy's stream: -targets (or stdin) read as the attack
// goes, with -format, -header and -body as defaults.
func (f *attackFlags) lazyTargets() (*runner.LazyTargets, error) {
	switch {
	case len(f.urls) > 0:
		return nil, usagef("-lazy reads -targets as the attack goes; -url targets are few and given already: drop -lazy")
	case f.env != nil:
		return nil, usagef("-lazy: a load profile's targets files are read (and their ${NAME}s substituted) before the attack: run the stream with loadgen attack -lazy")
	}
	if f.format != attack.FormatHTTP && f.format != attack.FormatJSON && f.format != "" {
		return nil, usagef("-format %q: want http or json", f.format)
	}
	hdr := http.Header{}
	for _, h := range f.headers {
		k, v, err := attack.ParseHeader(h)
		if err != nil {
			return nil, usageError{err}
		}
		hdr.Add(k, v)
	}
	var body []byte
	if f.body != "" {
		b, err := os.ReadFile(f.body)
		if err != nil {
			return nil, usagef("-body: %w", err)
		}
		body = b
	}
	lz := &runner.LazyTargets{Format: f.format, Header: hdr, Body: body}
	switch {
	case f.targets == "-" || (f.targets == "" && stdinPiped()):
		lz.Src, lz.Name = os.Stdin, "stdin"
	case f.targets != "":
		// Opened for the life of the process: the attack reads it to its
		// end or stops reading at its own end.
		fh, err := os.Open(f.targets)
		if err != nil {
			return nil, usagef("-targets: %w", err)
		}
		lz.Src, lz.Name = fh, f.targets
	default:
		return nil, usagef("-lazy needs -targets FILE, or targets piped into stdin")
	}
	return lz, nil
}

// grouping is how targets form endpoint groups.
func (f *attackFlags) grouping() (groups.Options, error) {
	if f.maxGrp < 2 {
		return groups.Options{}, usagef("-max-groups %d: must be at least 2 (one group and \"other\")", f.maxGrp)
	}
	o := groups.Options{Rules: f.group}
	if f.maxGrp != groups.DefaultMax {
		o.Max = f.maxGrp
	}
	return o, nil
}

// options returns the attack options for schedule s after validation.
func (f *attackFlags) options(s attack.Schedule) (attack.Options, error) {
	return f.optionsFor(s.End(), s.Open())
}

// optionsFor returns the attack options for schedules that end at end (0:
// never) and are open (false: -rate 0), after validation.
func (f *attackFlags) optionsFor(end time.Duration, open bool) (attack.Options, error) {
	o := f.opts
	if err := f.conn.apply(&o); err != nil {
		return o, err
	}
	o.Name = f.name
	o.Duration = f.duration
	if end > 0 {
		switch {
		case !f.set["duration"]:
			// The default -duration is for -rate; a ramp plan says how
			// long it lasts itself.
			o.Duration = 0
		case f.duration > 0 && f.duration < end && f.warn != nil:
			fmt.Fprintf(f.warn, "warning: -duration %s cuts the %s -stages plan short (leave -duration out to run all of it)\n", f.duration, end)
		}
	}
	o.MaxWorkers = f.maxWork.n
	if !open && !f.maxWork.set {
		// -rate 0 sends as fast as the workers allow: without a cap that
		// is one more goroutine and connection per slot, without bound.
		o.MaxWorkers = o.Workers
	}
	switch {
	case f.maxWork.n == 0:
		return o, usagef("-max-workers must be at least 1")
	case f.duration < 0:
		return o, usagef("-duration must not be negative")
	case o.Timeout <= 0:
		return o, usagef("-timeout must be positive")
	case o.Workers == 0:
		return o, usagef("-workers must be at least 1")
	case o.Workers > o.MaxWorkers:
		return o, usagef("-workers (%d) must not exceed -max-workers (%d)", o.Workers, o.MaxWorkers)
	case o.Connections < 0 || o.MaxConnections < 0:
		return o, usagef("-connections and -max-connections must not be negative")
	case o.Redirects < -1:
		return o, usagef("-redirects must be -1 (do not follow) or more")
	case f.gen.cpus < 0:
		return o, usagef("-cpus %d: must be 0 (pick from the rate) or a number of CPUs", f.gen.cpus)
	case f.interval < 100*time.Millisecond || f.interval%(10*time.Millisecond) != 0:
		return o, usagef("-interval %s: must be at least 100ms and a multiple of 10ms", f.interval)
	}
	return o, f.trace.check(o)
}

// countFlag is a non-negative count that remembers whether it was given.
type countFlag struct {
	n   uint64
	set bool
}

func (c *countFlag) String() string { return strconv.FormatUint(c.n, 10) }

func (c *countFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return errors.New("want a non-negative integer")
	}
	c.n, c.set = n, true
	return nil
}

// stdinPiped reports whether stdin is a pipe or a file rather than a
// terminal (or nothing): only then is it read for targets by default.
func stdinPiped() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}
