// Command loadgen is a load generator and latency profiler for HTTP
// services: it drives a target at an exact rate (on vegeta's attacker),
// measures latency from each request's intended send time into
// HdrHistograms, and writes a run record that its reports read.
//
//	loadgen demo                                   # try it on the built-in target
//	loadgen attack -rate 500 -duration 30s -url http://127.0.0.1:8080/
//	loadgen report -type text runs/attack-20261122T101010Z
//	loadgen compare runs/before runs/after         # the before/after table
//	loadgen flame runs/after                       # pprof's flame graph UI
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Exit codes. Usage errors (bad flags or input, nothing was sent) are
// distinct from failures during a run, and both from a run that went fine
// but missed its -slo (so CI can tell "the service regressed" from "the
// tool or the command line broke").
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitSLO     = 3 // an -slo check failed (attack), or no rate met it (capacity)
	exitWorse   = 4 // compare -fail-on worse: a metric got worse beyond the noise
)

// usageError marks bad input: it exits with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// badRecord makes a directory that is not a valid run record (not one at
// all, foreign or mixed files, values out of range) bad input: exit 2.
func badRecord(err error) error {
	if errors.Is(err, runrecord.ErrNotRecord) {
		return usageError{err}
	}
	return err
}

// exitError carries a specific exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"attack", "attack a target at an exact rate and write a run record", runAttack},
		{"report", "report one run record, or several merged (text, json, html, hlog)", runReport},
		{"compare", "before/after table of two run records (text, json, html)", runCompare},
		{"flame", "serve pprof's web UI (flame graph) for a run's profiles", runFlame},
		{"capacity", "find the highest rate that meets -slo (grow, then bisect)", runCapacity},
		{"run", "run a load profile (YAML test plan, see profiles/)", runProfile},
		{"target", "serve the built-in demo target", runTarget},
		{"history", "list indexed runs, trends and the runs where a metric shifted; import records", runHistory},
		{"demo", "start the demo target (a child process), attack it with collection on and report", runDemo},
		{"coordinator", "start barrier, live merge and one merged record for shards (attack -shard I/N -coordinator URL)", runCoordinator},
		{"kubernetes", "print the Kubernetes manifests (Indexed Job of shards, coordinator Job and Service, plan ConfigMap) for a plan", runKubernetes},
		{"version", "print the versions of loadgen, Go and vegeta", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "loadgen: load generator and latency profiler for HTTP services")
	fmt.Fprintln(w, "\nUsage: loadgen COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'loadgen COMMAND -h' for the flags of a command.")
	fmt.Fprintln(w, "\nExit status: 0 ok, 1 failure, 2 usage error (nothing sent), 3 an -slo check failed (capacity: no rate met it), 4 compare -fail-on worse found a metric worse.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	// Messages pass the run record's redactor: an error that quotes a URL
	// (a flag's invalid value, a targets file's line) shows no credential
	// in it. stdout is left alone: what it carries (summaries, reports,
	// HTML and hlog) is rendered from records, redacted as they were
	// written, and a rule for free text must not touch a report's script.
	stderr = redactingWriter{w: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ee exitError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "loadgen %s: %v\n", c.name, ee.err)
			return ee.code
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "loadgen %s: %v\n", c.name, err)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "loadgen %s: %v\n", c.name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(stderr, "loadgen: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

// newFlagSet makes a flag set that reports errors instead of exiting. Its
// usage (for -h) goes to stdout, like the top-level help: it is what was
// asked for, and `loadgen attack -h | less` should work.
func newFlagSet(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("loadgen "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: loadgen %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args up to the first argument that is not a flag (the
// rest stay in fs.Args()). -h prints the usage (to the flag set's output,
// stdout) and returns flag.ErrHelp; a bad flag is a usage error that says
// what was wrong, suggests the flag that was probably meant, and points to
// -h, rather than printing every flag.
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(out)
		usage()
		return err
	}
	if err != nil {
		return usageError{explainFlagError(fs, err)}
	}
	return nil
}

// parseInterspersed parses flags wherever they appear among the
// positional arguments (`loadgen report runs/x -type json`), as most
// CLIs do; "--" ends the flags. It returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, _, err := splitArgs(fs, args)
	return pos, err
}

// splitArgs parses like parseInterspersed and also returns the arguments
// that were flags, in order.
func splitArgs(fs *flag.FlagSet, args []string) (pos, flags []string, err error) {
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			usage()
			return nil, nil, err
		}
		if err != nil {
			return nil, nil, usageError{explainFlagError(fs, err)}
		}
		consumed := args[:len(args)-fs.NArg()]
		if len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(pos, fs.Args()...), append(flags, consumed[:len(consumed)-1]...), nil
		}
		flags = append(flags, consumed...)
		if fs.NArg() == 0 {
			return pos, flags, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// explainFlagError rewrites the flag package's errors for a person: a
// misspelled flag gets a suggestion, a duration without a unit says so.
func explainFlagError(fs *flag.FlagSet, err error) error {
	cmd := fs.Name()
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		if s := closestFlag(fs, name); s != "" {
			return fmt.Errorf("unknown flag -%s: did you mean -%s? ('%s -h' lists every flag)", name, s, cmd)
		}
		return fmt.Errorf("unknown flag -%s ('%s -h' lists every flag)", name, cmd)
	}
	var val, name string
	if n, _ := fmt.Sscanf(msg, "invalid value %q for flag -%s", &val, &name); n == 2 {
		name = strings.TrimSuffix(name, ":")
		if f := fs.Lookup(name); f != nil {
			if g, ok := f.Value.(flag.Getter); ok {
				if _, isDur := g.Get().(time.Duration); isDur {
					return fmt.Errorf("invalid value %q for -%s: a duration needs a unit, like 10s, 500ms or 2m", val, name)
				}
			}
		}
	}
	return fmt.Errorf("%w ('%s -h' explains every flag)", err, cmd)
}

// closestFlag is the defined flag nearest to a misspelled name: within
// two edits, or the only flag that starts with it.
func closestFlag(fs *flag.FlagSet, name string) string {
	best, bestD := "", 3
	var prefixed []string
	fs.VisitAll(func(f *flag.Flag) {
		if d := editDistance(name, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
		if strings.HasPrefix(f.Name, name) {
			prefixed = append(prefixed, f.Name)
		}
	})
	if best == "" && len(prefixed) == 1 {
		best = prefixed[0]
	}
	return best
}

// editDistance is the Levenshtein distance of two short flag names (the
// standard library has none; a dependency for ten lines is not worth it).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return fmt.Sprint([]string(*l)) }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v := runner.Versions()
	fmt.Fprintf(stdout, "loadgen %s (%s, vegeta %s, %s/%s)\n", v.Loadgen, v.Go, v.Vegeta, runtime.GOOS, runtime.GOARCH)
	return nil
}

// redactingWriter hides credentials (URL userinfo, credential-looking query
// values, "Bearer ..." tokens, and the values r knows to be secret) in what
// is written through it. Every Write of loadgen's is a whole message or
// line.
type redactingWriter struct {
	w io.Writer
	r *runrecord.Redactor
}

func (r redactingWriter) Write(p []byte) (int, error) {
	s := r.r.Text(string(p))
	if len(s) == len(p) && s == string(p) {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}
