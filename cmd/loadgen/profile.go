package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/loadgen/loadgen/pkg/loadprofile"
)

// isPathSetting: settings whose values are file paths, resolved against
// the profile's directory so a profile works from any working directory.
func isPathSetting(key string) bool { return key == "targets" || key == "body" }

func runProfile(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[-out DIR] [-junit FILE] [-history PATH] [-label k=v] PROFILE.yaml", stderr)
	out := fs.String("out", "", "run record directory (overrides the profile's out)")
	junitOut := fs.String("junit", "", "also write the verdict as JUnit XML to FILE (overrides the profile's junit)")
	dbFlag := fs.String("history", "", historyHelp+" (overrides the profile's history)")
	var labels labelSet
	fs.Var(&labels, "label", "key=value tag of the run, added to the profile's labels (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: loadgen run [-out DIR] [-junit FILE] [-history PATH] [-label k=v] PROFILE.yaml

Runs a load profile: a YAML mapping whose keys are 'loadgen attack' flag
names and whose values are the flag values (a list for repeatable flags):

  name: checkout-smoke
  url: [http://127.0.0.1:8080/hello, http://127.0.0.1:8080/fib?n=20]
  header: ["Accept: application/json"]
  stages: 10s:100,20s:500,10s:0
  timeout: 5s

Relative 'targets' and 'body' paths are read from the profile's directory.
Ready profiles ship in profiles/.

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
	known := newFlagSet("attack", "", io.Discard)
	var af attackFlags
	af.register(known)
	known.String("out", "", "")
	pargs, err := profileArgs(data, path, known)
	if err != nil {
		return usageError{err}
	}
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
