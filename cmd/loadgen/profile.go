package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Settings whose values are file paths, resolved against the profile's
// directory so a profile works from any working directory.
var profilePathKeys = map[string]bool{"targets": true, "body": true}

func runProfile(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "[-out DIR] PROFILE.yaml", stderr)
	out := fs.String("out", "", "run record directory (overrides the profile's out)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: loadgen run [-out DIR] PROFILE.yaml

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
	return runAttack(pargs, stdout, stderr)
}

// profileArgs turns a YAML profile into attack flags, checking every key
// against the flag set so a typo is reported with its line.
func profileArgs(data []byte, path string, known *flag.FlagSet) ([]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty profile", path)
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a profile is a mapping of attack flag names to values", path, m.Line)
	}
	dir := filepath.Dir(path)
	seen := map[string]int{}
	var args []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := strings.TrimLeft(k.Value, "-")
		if known.Lookup(key) == nil {
			return nil, fmt.Errorf("%s:%d: unknown setting %q (settings are 'loadgen attack' flag names; see loadgen attack -h)", path, k.Line, k.Value)
		}
		if line, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s:%d: %q is already set on line %d", path, k.Line, key, line)
		}
		seen[key] = k.Line
		var vals []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			vals = []*yaml.Node{v}
		case yaml.SequenceNode:
			vals = v.Content
		default:
			return nil, fmt.Errorf("%s:%d: %q needs a value or a list of values", path, v.Line, key)
		}
		for _, val := range vals {
			if val.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: %q: list items must be plain values", path, val.Line, key)
			}
			s := val.Value
			if profilePathKeys[key] && s != "" && !filepath.IsAbs(s) {
				s = filepath.Join(dir, s)
			}
			// Check the value now, so the error can name its line.
			probe := newFlagSet("probe", "", io.Discard)
			probe.Var(known.Lookup(key).Value, key, "")
			if err := probe.Set(key, s); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: invalid value %q: %w", path, val.Line, key, val.Value, err)
			}
			args = append(args, "-"+key+"="+s)
		}
	}
	return args, nil
}
