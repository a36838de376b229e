package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/loadprofile"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// isPathSetting: settings whose values are file paths, resolved against
// the profile's directory so a profile works from any working directory.
func isPathSetting(key string) bool { return key == "targets" || key == "body" }

// scenarioKeys are the settings a scenario of a profile takes: its name,
// targets and rate shape. In a profile with scenarios they are not
// top-level settings, except name (the attack's), and header and group,
// which then apply to every scenario.
var scenarioKeys = []string{"name", "url", "targets", "format", "method", "header", "body", "rate", "stages", "sine", "group"}

// rateKeys are the settings that give a scenario its rate shape.
var rateKeys = []string{"rate", "stages", "sine"}

func runProfile(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[-check] [attack flags] PROFILE.yaml", stdout)
	var af attackFlags
	af.register(fs)
	af.outFlags.register(fs, "run record directory (overrides the profile's out)")
	var sf shardFlags
	sf.register(fs)
	check := fs.Bool("check", false, "check the profile (settings, targets files, rate shapes, groups, SLO) and say what it would run, without sending anything")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: loadgen run [-check] [attack flags] PROFILE.yaml

Runs a load profile: a YAML mapping whose keys are 'loadgen attack' flag
names and whose values are the flag values (a list for repeatable flags):

  name: checkout-smoke
  url: ["http://127.0.0.1:8080/hello", "http://127.0.0.1:8080/fib?n=20"]
  header: ["Accept: application/json"]
  stages: 10s:100,20s:500,10s:0
  timeout: 5s

Any attack flag on the command line overrides the profile's setting, so a
profile runs against another service or for less time without editing it:

  loadgen run -url http://127.0.0.1:9090/api -duration 5s profiles/smoke.yaml

-url replaces the profile's url and targets; -rate, -stages and -sine
replace its rate shape; -label adds to its labels.

A profile can run several scenarios at once, in one attack on one clock
into one record, each with its own targets and rate shape (rate, stages
or sine), each its own endpoint group(s), with its own counts in the
summary and SLO checks of its own (missed{scenario=writes}==0):

  name: mix
  duration: 60s
  slo: p99{scenario=writes}<80ms,success>=99.9%
  scenarios:
    - name: reads
      url: http://127.0.0.1:8080/items
      rate: 200
    - name: writes
      url: http://127.0.0.1:8080/orders
      method: POST
      body: order.json
      stages: 30s:100,30s:100

A scenario takes name, url or targets (with format), method, header, body,
group, and one of rate, stages or sine; header and group given at the top
apply to every scenario. -check validates a profile and says what it
would run (schedules, slots due, endpoint groups) without sending.

Relative 'targets' and 'body' paths in the profile are read from the
profile's directory. Ready profiles ship in profiles/. Settings of 'loadgen coordinator' and
'loadgen kubernetes' (shards, image, ...) may be in the same profile; run
skips them, so one profile serves a whole distributed run.

Flags (those of 'loadgen attack'):
`)
		fs.PrintDefaults()
	}
	pos, cmdFlags, err := splitArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give exactly one profile file (flags may come before or after it)")
	}
	path := pos[0]
	data, err := os.ReadFile(path)
	if err != nil {
		return usagef("profile: %w", err)
	}
	env := &profileEnv{getenv: os.LookupEnv, red: runrecord.NewRedactor(), files: map[string]bool{}}
	// What the profile substitutes is masked in every message from here
	// on, as in the record (whose rendering is what goes to stdout).
	stderr = redactingWriter{w: stderr, r: env.red}
	prof, pargs, err := profileArgs(data, path, profileKeys(), env)
	if err != nil {
		return usageError{err}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	cmdFlags = withoutFlag(cmdFlags, "check")
	if len(prof.Scenarios) > 0 {
		for _, k := range scenarioKeys {
			if given[k] && k != "name" && k != "header" {
				return usagef("-%s: the profile's scenarios give their own targets and rates; change them in %s", k, path)
			}
		}
	}
	aargs := append(ownSettings(pargs, attackFlagSet(nil, nil), overridden(given)), cmdFlags...)
	if len(prof.Scenarios) == 0 && !*check {
		return runAttackWith(aargs, env, stdout, stderr)
	}
	// Parsed as runAttack parses them, into a fresh set (checking the
	// profile's values set the flags of the one above).
	var (
		pf  = attackFlags{env: env}
		psf shardFlags
	)
	pfs := attackFlagSet(&pf, &psf)
	if err := parseFlags(pfs, aargs); err != nil {
		return err
	}
	pf.parsed(pfs, stderr)
	var plan runner.Plan
	if len(prof.Scenarios) == 0 {
		plan, err = pf.plan(aargs)
	} else {
		plan, err = scenariosPlan(prof, &pf, aargs)
	}
	if err != nil {
		return err
	}
	if *check {
		return checkPlan(stdout, path, plan)
	}
	return attackWith(plan, &pf, psf, stdout, stderr)
}

// attackFlagSet is the flag set of 'loadgen attack', into af and sf (nil:
// throwaway values, for checking which settings are attack flags).
func attackFlagSet(af *attackFlags, sf *shardFlags) *flag.FlagSet {
	if af == nil {
		af, sf = new(attackFlags), new(shardFlags)
	}
	fs := newFlagSet("attack", "", io.Discard)
	af.register(fs)
	af.outFlags.register(fs, "")
	sf.register(fs)
	return fs
}

// withoutFlag drops flag name (-name, --name, -name=v) from flag arguments.
func withoutFlag(args []string, name string) []string {
	var out []string
	for _, a := range args {
		k, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && k == name {
			continue
		}
		out = append(out, a)
	}
	return out
}

// overrideGroups are settings that replace each other: a command-line
// -url replaces a profile's targets file, a -rate its stages.
var overrideGroups = [][]string{{"url", "targets"}, {"rate", "stages", "sine"}}

// overridden is the profile settings that the flags given on the command
// line replace. Repeatable flags (-url, -header) are replaced as a whole,
// not appended to; -label adds to the profile's labels.
func overridden(given map[string]bool) map[string]bool {
	over := map[string]bool{}
	for k := range given {
		over[k] = k != "label"
		for _, g := range overrideGroups {
			if slices.Contains(g, k) {
				for _, o := range g {
					over[o] = true
				}
			}
		}
	}
	return over
}

// profileEnv is a load profile's ${NAME} substitution: the environment,
// the body and targets files the profile names (where ${NAME} is
// substituted too), and the redactor that masks every value substituted.
type profileEnv struct {
	getenv func(string) (string, bool)
	red    *runrecord.Redactor
	files  map[string]bool // paths of the profile's body and targets files
}

// expand substitutes ${NAME} in the file at path when the profile names
// it; a file given on the command line instead is read as it is.
func (e *profileEnv) expand(path string, b []byte) ([]byte, error) {
	if e == nil || !e.files[path] {
		return b, nil
	}
	s, used, err := loadprofile.Expand(string(b), e.getenv)
	if err != nil {
		return nil, err
	}
	e.red.Add(used...)
	return []byte(s), nil
}

func (e *profileEnv) redactor() *runrecord.Redactor {
	if e == nil {
		return nil
	}
	return e.red
}

// profileArgs turns a YAML profile into attack flags, checking every key
// against the flag set and every value with its flag, so a typo or a bad
// value is reported with its line and column. A profile's scenarios are
// returned in the Profile, for scenariosPlan. With env, ${NAME} is
// substituted (and what is substituted becomes a secret of the run).
func profileArgs(data []byte, path string, known *flag.FlagSet, env *profileEnv) (*loadprofile.Profile, []string, error) {
	o := loadprofile.Options{
		Known:    func(key string) bool { return known.Lookup(key) != nil },
		IsPath:   isPathSetting,
		Scenario: func(key string) bool { return slices.Contains(scenarioKeys, key) },
	}
	if env != nil {
		o.Getenv = env.getenv
	}
	p, err := loadprofile.Parse(data, path, o)
	if env != nil && p != nil {
		env.red.Add(p.Secrets...)
		for _, sts := range append([][]loadprofile.Setting{p.Settings}, scenarioSettings(p)...) {
			for _, st := range sts {
				if isPathSetting(st.Key) {
					for _, v := range st.Values {
						env.files[v] = true
					}
				}
			}
		}
	}
	if errors.Is(err, loadprofile.ErrUnknownSetting) {
		return nil, nil, fmt.Errorf("%w (settings are 'loadgen attack' flag names; see loadgen attack -h and loadgen run -h)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(p.Scenarios) > 0 {
		for _, st := range p.Settings {
			if slices.Contains(scenarioKeys, st.Key) && !slices.Contains([]string{"name", "header", "group"}, st.Key) {
				return nil, nil, p.Errorf(st, -1, "%q belongs in each scenario when the profile has scenarios (line %d)", st.Key, p.ScenariosPos.Line)
			}
		}
	}
	args, err := settingArgs(p, p.Settings, known)
	return p, args, err
}

// scenarioSettings are the settings of each of p's scenarios.
func scenarioSettings(p *loadprofile.Profile) [][]loadprofile.Setting {
	out := make([][]loadprofile.Setting, len(p.Scenarios))
	for i, sc := range p.Scenarios {
		out[i] = sc.Settings
	}
	return out
}

// settingArgs turns settings into flag arguments, checking each value
// with its flag (which that sets) so that an error names its place.
func settingArgs(p *loadprofile.Profile, settings []loadprofile.Setting, known *flag.FlagSet) ([]string, error) {
	var args []string
	for _, st := range settings {
		for i, v := range st.Values {
			// Check the value now, so the error can name its place.
			probe := newFlagSet("probe", "", io.Discard)
			probe.Var(known.Lookup(st.Key).Value, st.Key, "")
			if err := probe.Set(st.Key, v); err != nil {
				// The value as written: a substituted one is a secret.
				return nil, p.Errorf(st, i, "%s: invalid value %q: %w", st.Key, st.Raw[i], err)
			}
			if check := settingCheck(st.Key); check != nil {
				if err := check(v); err != nil {
					return nil, p.Errorf(st, i, "%s: %w", st.Key, err)
				}
			}
			args = append(args, "-"+st.Key+"="+v)
		}
	}
	return args, nil
}

// profileKeys is every setting a profile may hold: the flags of attack
// (and its shard flags), coordinator and kubernetes, so one profile can
// describe a whole distributed run; each command uses its own.
func profileKeys() *flag.FlagSet {
	fs := newFlagSet("profile", "", io.Discard)
	var (
		af attackFlags
		sf shardFlags
		cf coordFlags
		kf kubeFlags
	)
	af.register(fs)
	sf.register(fs)
	cf.register(fs)
	kf.register(fs)
	var of outFlags
	of.register(fs, "")
	return fs
}

// ownSettings keeps the "-key=value" profile arguments that fs has a
// flag for and that the command line did not set.
func ownSettings(pargs []string, fs *flag.FlagSet, set map[string]bool) []string {
	var keep []string
	for _, a := range pargs {
		k, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if fs.Lookup(k) != nil && !set[k] {
			keep = append(keep, a)
		}
	}
	return keep
}

// parseWithProfile parses a command's flags, optionally followed by one
// PROFILE.yaml: the profile's settings come first and the command line's
// override them (a repeatable flag given on the command line replaces
// the profile's list). Settings of other commands are skipped. register
// is called once per parse and must reset what it registers.
func parseWithProfile(name, synopsis string, args []string, stderr io.Writer, register func(*flag.FlagSet)) (*flag.FlagSet, string, error) {
	probe := newFlagSet(name, synopsis, stderr)
	register(probe)
	if err := parseFlags(probe, args); err != nil {
		return nil, "", err
	}
	switch probe.NArg() {
	case 0:
		return probe, "", nil
	case 1:
	default:
		return nil, "", usagef("unexpected arguments %q: give at most one PROFILE.yaml, after the flags", probe.Args())
	}
	path := probe.Arg(0)
	set := map[string]bool{}
	probe.Visit(func(f *flag.Flag) { set[f.Name] = true })
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", usagef("profile: %w", err)
	}
	// No ${NAME} here: coordinator and kubernetes take the plan as
	// written (the shards, which run it, substitute their environment).
	prof, pargs, err := profileArgs(data, path, profileKeys(), nil)
	if err != nil {
		return nil, "", usageError{err}
	}
	if len(prof.Scenarios) > 0 {
		return nil, "", usageError{&loadprofile.Error{Path: path, Pos: prof.ScenariosPos,
			Err: fmt.Errorf("loadgen %s takes one schedule, not scenarios: run the profile's shards with 'loadgen run -shard I/N' and merge them with 'loadgen report'", name)}}
	}
	fs := newFlagSet(name, synopsis, stderr)
	register(fs)
	if err := parseFlags(fs, append(ownSettings(pargs, fs, set), args[:len(args)-1]...)); err != nil {
		return nil, "", err
	}
	return fs, path, nil
}

// settingCheck returns the parser of a setting whose flag takes any string
// and is parsed later (the rate shapes), so that a profile's bad value is
// reported at its line and column.
func settingCheck(key string) func(string) error {
	switch key {
	case "rate":
		return func(v string) error { _, err := attack.ParseRate(v); return err }
	case "stages":
		return func(v string) error { _, err := attack.ParseStages(v); return err }
	case "sine":
		return func(v string) error { _, err := attack.ParseSine(v); return err }
	}
	return nil
}

// scenariosPlan builds the plan of a profile with scenarios: the
// top-level settings (already in top) for everything but targets and
// rates, and each scenario's targets and rate shape from its own.
func scenariosPlan(p *loadprofile.Profile, top *attackFlags, args []string) (runner.Plan, error) {
	if top.conn.lazy {
		return runner.Plan{}, usagef("-lazy: a profile's scenarios read their targets before the attack, each its own; a stream of targets is one scenario: run it with loadgen attack -lazy")
	}
	var scs []runner.Scenario
	end, open := time.Duration(0), true
	for i, sc := range p.Scenarios {
		sargs, err := settingArgs(p, sc.Settings, attackFlagSet(nil, nil))
		if err != nil {
			// A bad value keeps its place and says whose scenario it is in.
			var pe *loadprofile.Error
			if errors.As(err, &pe) {
				pe.Err = fmt.Errorf("scenario %d %q: %w", i+1, settingValue(sc.Settings, "name"), pe.Err)
			}
			return runner.Plan{}, usageError{err}
		}
		f := attackFlags{env: top.env} // a scenario's body and targets files are the profile's
		fs := newFlagSet("scenario", "", io.Discard)
		f.register(fs)
		if err := fs.Parse(sargs); err != nil {
			return runner.Plan{}, usageError{err}
		}
		at := func(keys []string) loadprofile.Setting {
			for _, st := range sc.Settings {
				if slices.Contains(keys, st.Key) {
					return st
				}
			}
			return loadprofile.Setting{Pos: sc.Pos}
		}
		fail := func(keys []string, err error) error {
			var ue usageError
			if errors.As(err, &ue) {
				err = ue.err
			}
			return usageError{p.Errorf(at(keys), 0, "scenario %d %q: %w", i+1, f.name, err)}
		}
		if f.name == "" {
			return runner.Plan{}, fail(nil, errors.New("every scenario needs a name"))
		}
		if at(rateKeys).Key == "" {
			return runner.Plan{}, fail(nil, errors.New("give the scenario its rate shape: rate, stages or sine"))
		}
		// Top-level headers and group rules apply to every scenario.
		f.headers = append(append(stringList(nil), top.headers...), f.headers...)
		sched, err := f.schedule()
		if err != nil {
			return runner.Plan{}, fail(rateKeys, err)
		}
		tgts, tgroups, err := f.loadTargets()
		if err != nil {
			return runner.Plan{}, fail([]string{"url", "targets"}, err)
		}
		tgroups = nameByRules(tgts, tgroups, f.group)
		scs = append(scs, runner.Scenario{Name: f.name, Targets: tgts, TargetGroups: tgroups, Schedule: sched})
		// The attack ends when every scenario's schedule has: a ramp
		// without -duration runs to its end, as alone.
		if e := sched.End(); e == 0 || (i > 0 && end == 0) {
			end = 0
		} else {
			end = max(end, e)
		}
		open = open && sched.Open()
	}
	plan, err := top.common(args, end, open)
	if err != nil {
		return plan, err
	}
	plan.Scenarios = scs
	return plan, nil
}

// settingValue is the last value of settings' key ("" when not set).
func settingValue(settings []loadprofile.Setting, key string) string {
	v := ""
	for _, st := range settings {
		if st.Key == key && len(st.Values) > 0 {
			v = st.Values[len(st.Values)-1]
		}
	}
	return v
}

// nameByRules names the targets a scenario's own group rules match (a
// targets file's names win), so its rules apply to it alone.
func nameByRules(tgts []vegeta.Target, names []string, rules groupRulesFlag) []string {
	if len(rules) == 0 {
		return names
	}
	out := make([]string, len(tgts))
	copy(out, names)
	for i, t := range tgts {
		for _, r := range rules {
			if out[i] != "" {
				break
			}
			if r.Match(t.Method, t.URL) {
				out[i] = r.Name
			}
		}
	}
	return out
}

// checkPlan says what a profile would run, after checking everything that
// can be checked without sending: settings, targets files, rate shapes,
// endpoint groups and the SLO's groups and scenarios.
func checkPlan(w io.Writer, path string, plan runner.Plan) error {
	set, err := plan.Groups()
	if err != nil {
		return usageError{inFlagWords(err)}
	}
	du := planDuration(plan)
	name := plan.Name
	if name == "" {
		name = "(no name)"
	}
	fmt.Fprintf(w, "%s: OK, nothing sent\n", path)
	fmt.Fprintf(w, "name %s, %s, %d target(s), %d endpoint group(s), record in %s\n", name, durationWords(du), plan.TargetCount(), len(set.Names), plan.Out)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tschedule\ttargets\tslots due\tgroups")
	for _, sc := range plan.Streams() {
		n := sc.Name
		if n == "" {
			n = "-"
		}
		due := "until stopped"
		if sc.Schedule.Open() && du > 0 {
			due = fmt.Sprint(sc.Schedule.Hits(du))
		}
		var gs []string
		for g, s := range set.Scenario {
			if s == sc.Name {
				gs = append(gs, set.Names[g])
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", n, sc.Schedule, len(sc.Targets), due, strings.Join(gs, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if set.Folding != nil {
		fmt.Fprintf(w, "groups: %s\n", text.Folding(set.Folding))
	}
	if plan.SLO != nil {
		fmt.Fprintf(w, "SLO: %s\n", plan.SLO)
	}
	return nil
}

func durationWords(du time.Duration) string {
	if du == 0 {
		return "until interrupted"
	}
	return "for " + du.String()
}
