package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/loadprofile"
)

// isPathSetting: settings whose values are file paths, resolved against
// the profile's directory so a profile works from any working directory.
func isPathSetting(key string) bool { return key == "targets" || key == "body" }

func runProfile(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[attack flags] PROFILE.yaml", stdout)
	var af attackFlags
	af.register(fs)
	af.outFlags.register(fs, "run record directory (overrides the profile's out)")
	var sf shardFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: loadgen run [attack flags] PROFILE.yaml

Runs a load profile: a YAML mapping whose keys are 'loadgen attack' flag
names and whose values are the flag values (a list for repeatable flags):

  name: checkout-smoke
  url: [http://127.0.0.1:8080/hello, http://127.0.0.1:8080/fib?n=20]
  header: ["Accept: application/json"]
  stages: 10s:100,20s:500,10s:0
  timeout: 5s

Any attack flag on the command line overrides the profile's setting, so a
profile runs against another service or for less time without editing it:

  loadgen run -url http://127.0.0.1:9090/api -duration 5s profiles/smoke.yaml

-url replaces the profile's url and targets; -rate, -stages and -sine
replace its rate shape; -label adds to its labels. Relative 'targets' and
'body' paths in the profile are read from the profile's directory. Ready
profiles ship in profiles/. Settings of 'loadgen coordinator' and
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
	pargs, err := profileArgs(data, path, profileKeys())
	if err != nil {
		return usageError{err}
	}
	attackSet := newFlagSet("attack", "", io.Discard)
	var kf attackFlags
	kf.register(attackSet)
	kf.outFlags.register(attackSet, "")
	var ksf shardFlags
	ksf.register(attackSet)
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return runAttack(append(ownSettings(pargs, attackSet, overridden(given)), cmdFlags...), stdout, stderr)
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

// profileArgs turns a YAML profile into attack flags, checking every key
// against the flag set and every value with its flag, so a typo or a bad
// value is reported with its line and column.
func profileArgs(data []byte, path string, known *flag.FlagSet) ([]string, error) {
	p, err := loadprofile.Parse(data, path, loadprofile.Options{
		Known:  func(key string) bool { return known.Lookup(key) != nil },
		IsPath: isPathSetting,
	})
	if errors.Is(err, loadprofile.ErrUnknownSetting) {
		return nil, fmt.Errorf("%w (settings are 'loadgen attack' flag names; see loadgen attack -h)", err)
	}
	if err != nil {
		return nil, err
	}
	var args []string
	for _, st := range p.Settings {
		for i, v := range st.Values {
			// Check the value now, so the error can name its place.
			probe := newFlagSet("probe", "", io.Discard)
			probe.Var(known.Lookup(st.Key).Value, st.Key, "")
			if err := probe.Set(st.Key, v); err != nil {
				return nil, p.Errorf(st, i, "%s: invalid value %q: %w", st.Key, v, err)
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
	pargs, err := profileArgs(data, path, profileKeys())
	if err != nil {
		return nil, "", usageError{err}
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
