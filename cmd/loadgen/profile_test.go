package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func knownFlags() *attackFlags { return &attackFlags{} }

func profileFlagSet() (*attackFlags, func([]byte, string) ([]string, error)) {
	af := knownFlags()
	fs := newFlagSet("attack", "", io.Discard)
	af.register(fs)
	fs.String("out", "", "")
	return af, func(data []byte, path string) ([]string, error) {
		_, a, err := profileArgs(data, path, fs, nil)
		return a, err
	}
}

func TestProfileArgs(t *testing.T) {
	_, parse := profileFlagSet()
	args, err := parse([]byte("name: x\nurl:\n  - http://a/\n  - http://b/\nrate: 5/s\nkeepalive: false\ntargets: t.txt\n"), "dir/p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "-name=x -url=http://a/ -url=http://b/ -rate=5/s -keepalive=false -targets=dir/t.txt"
	if got := strings.Join(args, " "); got != want {
		t.Errorf("args %q, want %q", got, want)
	}
}

func TestProfileErrorsNameLine(t *testing.T) {
	_, parse := profileFlagSet()
	for src, want := range map[string]string{
		"name: x\nrte: 5\n":                "p.yaml:2:1: unknown setting \"rte\" (settings are 'loadgen attack' flag names",
		"rate: 5\nrate: 6\n":               "p.yaml:2:1: \"rate\" is already set on line 1",
		"url: http://a/\nduration: soon\n": "p.yaml:2:11: duration: invalid value \"soon\"",
		"- a\n- b\n":                       "p.yaml:1:1: a profile is a mapping",
		"url: {a: b}\n":                    "p.yaml:1:6: \"url\" needs a value",
		"keepalive: maybe\n":               "p.yaml:1:12: keepalive: invalid value",
		"url: [http://a/, [nested]]\n":     "p.yaml:1:18: \"url\": list items must be plain values",
		"name: [unclosed\n":                "p.yaml: yaml:",
		"":                                 "p.yaml: empty profile",
	} {
		_, err := parse([]byte(src), "p.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

// The shipped profiles parse.
func TestShippedProfilesParse(t *testing.T) {
	files, err := filepath.Glob("../../profiles/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no profiles: %v", err)
	}
	for _, f := range files {
		_, parse := profileFlagSet()
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parse(data, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func FuzzProfileArgs(f *testing.F) {
	f.Add("name: x\nurl: [http://a/]\nrate: 5\n")
	f.Add("stages: 1s:1\nheader: ['A: b']\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, parse := profileFlagSet()
		args, err := parse([]byte(src), "p.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "p.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, a := range args {
			if !strings.HasPrefix(a, "-") || !strings.Contains(a, "=") {
				t.Fatalf("bad arg %q", a)
			}
		}
	})
}

// The profiles run -h shows are YAML as written: a URL with a "?" in an
// unquoted [a, b] list is not (gopkg.in/yaml.v3 follows libyaml from
// before libyaml#105), so the help's lists quote their URLs.
func TestRunHelpExamplesParse(t *testing.T) {
	var out strings.Builder
	run([]string{"run", "-h"}, &out, io.Discard)
	var examples []string
	var cur []string
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "  name: "):
			cur = []string{line[2:]}
		case cur != nil && strings.HasPrefix(line, "  "):
			cur = append(cur, line[2:])
		case cur != nil:
			examples = append(examples, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	if len(examples) != 2 {
		t.Fatalf("%d profile examples in run -h, want 2:\n%s", len(examples), out.String())
	}
	for _, ex := range examples {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(ex), &m); err != nil {
			t.Errorf("run -h example does not parse: %v\n%s", err, ex)
		}
	}
	var first struct{ URL []string }
	if err := yaml.Unmarshal([]byte(examples[0]), &first); err != nil || len(first.URL) != 2 || first.URL[1] != "http://127.0.0.1:8080/fib?n=20" {
		t.Errorf("first example's urls %q, %v", first.URL, err)
	}
}
