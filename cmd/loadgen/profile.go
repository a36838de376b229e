package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loadgen/loadgen/pkg/loadprofile"
)

// isPathSetting: settings whose values are file paths, resolved against
// the profile's directory so a profile works from any working directory.
func isPathSetting(key string) bool { return key == "targets" || key == "body" }

func runProfile(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[-out DIR] [-junit FILE] [-history PATH] [-label k=v] [-shard I/N -coordinator URL] PROFILE.yaml", stderr)
	out := fs.String("out", "", "run record directory (overrides the profile's out)")
	junitOut := fs.String("junit", "", "also write the verdict as JUnit XML to FILE (overrides the profile's junit)")
	dbFlag := fs.String("history", "", historyHelp+" (overrides the profile's history)")
	var labels labelSet
	fs.Var(&labels, "label", "key=value tag of the run, added to the profile's labels (repeatable)")
	var sf shardFlags
	sf.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: loadgen run [-out DIR] [-junit FILE] [-history PATH] [-label k=v]
                   [-shard I/N -coordinator URL] PROFILE.yaml

Runs a load profile: a YAML mapping whose keys are 'loadgen attack' flag
names and whose values are the flag values (a list for repeatable flags):

  name: checkout-smoke
  url: [http://127.0.0.1:8080/hello, http://127.0.0.1:8080/fib?n=20]
  header: ["Accept: application/json"]
  stages: 10s:100,20s:500,10s:0
  timeout: 5s

Relative 'targets' and 'body' paths are read from the profile's directory.
Ready profiles ship in profiles/. Settings of 'loadgen coordinator' and
'loadgen kubernetes' (shards, image, ...) may be in the same profile; run
skips them, so one profile serves a whole distributed run.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("give exactly one profile file")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return usagef("profile: %w", err)
	}
	pargs, err := profileArgs(data, path, profileKeys())
	if err != nil {
		return usageError{err}
	}
	attackSet := newFlagSet("attack", "", io.Discard)
	var af attackFlags
	af.register(attackSet)
	var asf shardFlags
	asf.register(attackSet)
	attackSet.String("out", "", "")
	pargs = ownSettings(pargs, attackSet, nil)
	if *out != "" {
		pargs = append(pargs, "-out", *out)
	}
	if *junitOut != "" {
		pargs = append(pargs, "-junit", *junitOut)
	}
	if *dbFlag != "" {
		pargs = append(pargs, "-history", *dbFlag)
	}
	for k, v := range labels {
		pargs = append(pargs, "-label", k+"="+v)
	}
	// The shard flags given here override the profile's.
	fs.Visit(func(f *flag.Flag) {
		if attackSet.Lookup(f.Name) != nil && (f.Name == "shard" || f.Name == "coordinator" || f.Name == "join-timeout") {
			pargs = append(pargs, "-"+f.Name+"="+f.Value.String())
		}
	})
	return runAttack(pargs, stdout, stderr)
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
	fs.String("out", "", "")
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
