package loadprofile

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var testEnv = map[string]string{"TOKEN": "t0k3n-value", "HOST": "127.0.0.1:8080", "EMPTY": ""}

func lookup(name string) (string, bool) { v, ok := testEnv[name]; return v, ok }

func TestExpand(t *testing.T) {
	for in, want := range map[string]string{
		"http://${HOST}/x?q=${TOKEN}": "http://127.0.0.1:8080/x?q=t0k3n-value",
		"Bearer ${TOKEN}":             "Bearer t0k3n-value",
		"no variables, $5 and $HOST":  "no variables, $5 and $HOST",
		"literal $${TOKEN}":           "literal ${TOKEN}",
		"${EMPTY}x":                   "x",
		`{"pw":"${TOKEN}"}`:           `{"pw":"t0k3n-value"}`,
	} {
		got, _, err := Expand(in, lookup)
		if err != nil || got != want {
			t.Errorf("Expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, used, _ := Expand("${TOKEN}@${HOST}/${EMPTY}", lookup)
	if !slices.Equal(used, []string{"t0k3n-value", "127.0.0.1:8080"}) {
		t.Errorf("used %q", used)
	}
	for in, want := range map[string]string{
		"${NOPE}":     "${NOPE} is not set in the environment",
		"${TOKEN":     "${ without its closing }",
		"${1X}":       "${1X}: a variable name",
		"${A-B} rest": "${A-B}: a variable name",
	} {
		_, _, err := Expand(in, lookup)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q): %v, want %q", in, err, want)
		}
	}
	var ue *UnsetError
	if _, _, err := Expand("${NOPE}", lookup); !errors.As(err, &ue) || ue.Name != "NOPE" {
		t.Errorf("unset: %v", err)
	}
}

// TestParseSubstitutes: ${NAME} in any value, the values substituted kept
// aside as secrets, the value as written kept for messages, and an unset
// variable reported at its value without any value in the message.
func TestParseSubstitutes(t *testing.T) {
	src := "url: http://${HOST}/a?q=${TOKEN}\nheader: [\"X-Key: ${TOKEN}\"]\nbody: ${HOST}.json\n"
	p, err := Parse([]byte(src), "dir/p.yaml", Options{Getenv: lookup, IsPath: func(k string) bool { return k == "body" }})
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Settings[0].Values[0]; v != "http://127.0.0.1:8080/a?q=t0k3n-value" {
		t.Errorf("url %q", v)
	}
	if v := p.Settings[2].Values[0]; v != "dir/127.0.0.1:8080.json" {
		t.Errorf("body %q", v)
	}
	if r := p.Settings[1].Raw[0]; r != "X-Key: ${TOKEN}" {
		t.Errorf("raw %q", r)
	}
	if !slices.Contains(p.Secrets, "t0k3n-value") || !slices.Contains(p.Secrets, "127.0.0.1:8080") {
		t.Errorf("secrets %q", p.Secrets)
	}
	_, err = Parse([]byte("rate: 5\nurl: http://x/?k=${NOPE}\n"), "p.yaml", Options{Getenv: lookup})
	if err == nil || err.Error() != "p.yaml:2:6: url: ${NOPE} is not set in the environment" {
		t.Errorf("unset: %v", err)
	}
	// Without Getenv, values are taken as written.
	p, _ = Parse([]byte("url: http://${HOST}/\n"), "p.yaml", Options{})
	if p.Settings[0].Values[0] != "http://${HOST}/" || len(p.Secrets) != 0 {
		t.Errorf("no Getenv: %+v", p)
	}
}

func FuzzExpand(f *testing.F) {
	for _, s := range []string{"${TOKEN}", "$${X}", "${", "a${HOST}b${TOKEN}c", "${EMPTY}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, used, err := Expand(s, lookup)
		if err != nil {
			if strings.Contains(err.Error(), "t0k3n-value") {
				t.Fatalf("an error quotes a value: %v", err)
			}
			return
		}
		if !strings.Contains(s, "${") && out != s {
			t.Fatalf("%q changed to %q without a variable", s, out)
		}
		for _, u := range used {
			if !strings.Contains(out, u) {
				t.Fatalf("used %q, not in %q", u, out)
			}
		}
	})
}

// TestParseSubstitutesInScenarios: a scenario's values are substituted
// like the top level's, and what they substitute is a secret too.
func TestParseSubstitutesInScenarios(t *testing.T) {
	src := "name: mix\nscenarios:\n  - name: reads\n    url: http://${HOST}/r?k=${TOKEN}\n    rate: 10\n"
	p, err := Parse([]byte(src), "p.yaml", Options{Getenv: lookup, Scenario: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Scenarios) != 1 || p.Scenarios[0].Settings[1].Values[0] != "http://127.0.0.1:8080/r?k=t0k3n-value" {
		t.Fatalf("scenarios %+v", p.Scenarios)
	}
	if raw := p.Scenarios[0].Settings[1].Raw[0]; raw != "http://${HOST}/r?k=${TOKEN}" {
		t.Errorf("raw %q", raw)
	}
	if !slices.Contains(p.Secrets, "t0k3n-value") {
		t.Errorf("secrets %q", p.Secrets)
	}
	if _, err := Parse([]byte("scenarios:\n  - name: a\n    url: http://x/${NOPE}\n"), "p.yaml", Options{Getenv: lookup, Scenario: func(string) bool { return true }}); err == nil ||
		!strings.Contains(err.Error(), "p.yaml:3:10: url: ${NOPE} is not set") {
		t.Errorf("unset in a scenario: %v", err)
	}
}
