package loadprofile

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	p, err := Parse([]byte("name: x\nurl:\n  - http://a/\n  - http://b/\nrate: 5/s\ntargets: t.txt\n"), "dir/p.yaml",
		Options{IsPath: func(k string) bool { return k == "targets" }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Settings {
		got = append(got, s.Key+"="+strings.Join(s.Values, "|"))
	}
	if want := "name=x url=http://a/|http://b/ rate=5/s targets=dir/t.txt"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
	if s := p.Settings[1]; s.Pos != (Pos{2, 1}) || s.ValuePos[1] != (Pos{4, 5}) {
		t.Errorf("positions %+v %+v", s.Pos, s.ValuePos)
	}
	if err := p.Errorf(p.Settings[1], 1, "bad"); err.Error() != "dir/p.yaml:4:5: bad" {
		t.Errorf("Errorf: %v", err)
	}
}

func TestParseErrorsNamePlace(t *testing.T) {
	known := func(k string) bool { return k != "rte" }
	for src, want := range map[string]string{
		"name: x\nrte: 5\n":            `p.yaml:2:1: unknown setting "rte"`,
		"rate: 5\nrate: 6\n":           `p.yaml:2:1: "rate" is already set on line 1`,
		"- a\n- b\n":                   "p.yaml:1:1: a profile is a mapping",
		"url: {a: b}\n":                `p.yaml:1:6: "url" needs a value`,
		"url: [http://a/, [nested]]\n": `p.yaml:1:18: "url": list items must be plain values`,
		"name: [unclosed\n":            "p.yaml: yaml:",
		"":                             "p.yaml: empty profile",
	} {
		_, err := Parse([]byte(src), "p.yaml", Options{Known: known})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
	_, err := Parse([]byte("rte: 1\n"), "p.yaml", Options{Known: known})
	if !errors.Is(err, ErrUnknownSetting) {
		t.Errorf("unknown key: %v does not wrap ErrUnknownSetting", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("name: x\nurl: [http://a/]\nrate: 5\n")
	f.Add("stages: 1s:1\nheader: ['A: b']\n")
	f.Add("duration: 5s\nscenarios:\n  - name: a\n    rate: 5\n  - {name: b, stages: 1s:1}\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse([]byte(src), "p.yaml", Options{Scenario: func(string) bool { return true }})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "p.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		all := p.Settings
		for _, sc := range p.Scenarios {
			all = append(all, sc.Settings...)
		}
		for _, s := range all {
			if len(s.Values) != len(s.ValuePos) {
				t.Fatalf("%d values, %d positions", len(s.Values), len(s.ValuePos))
			}
		}
	})
}

// A profile's scenarios are a list of mappings, each with its own
// settings and places; keys are checked against their own list.
func TestParseScenarios(t *testing.T) {
	src := `name: mix
duration: 30s
scenarios:
  - name: reads
    url: http://127.0.0.1:8080/items
    rate: 200
  - name: writes
    targets: writes.txt
    stages: 30s:100
`
	inScenario := func(k string) bool {
		return k == "name" || k == "url" || k == "rate" || k == "targets" || k == "stages"
	}
	o := Options{
		Known:    func(k string) bool { return k == "name" || k == "duration" },
		IsPath:   func(k string) bool { return k == "targets" },
		Scenario: inScenario,
	}
	p, err := Parse([]byte(src), "dir/mix.yaml", o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Settings) != 2 || len(p.Scenarios) != 2 || p.ScenariosPos != (Pos{3, 1}) {
		t.Fatalf("settings %+v scenarios %+v", p.Settings, p.Scenarios)
	}
	w := p.Scenarios[1]
	if w.Pos != (Pos{7, 5}) || w.Settings[1].Key != "targets" || w.Settings[1].Values[0] != "dir/writes.txt" || w.Settings[2].ValuePos[0] != (Pos{9, 13}) {
		t.Errorf("second scenario %+v", w)
	}
	for bad, want := range map[string]string{
		"scenarios: x\n":                          `p.yaml:1:12: "scenarios" is a list`,
		"scenarios: []\n":                         `p.yaml:1:12: "scenarios" is a list`,
		"scenarios:\n  - url\n":                   "p.yaml:2:5: a scenario is a mapping",
		"scenarios:\n  - name: a\n    ratee: 5\n": `p.yaml:3:5: unknown setting "ratee"`,
		"scenarios:\n  - name: a\n    name: b\n":  `p.yaml:3:5: "name" is already set on line 2`,
	} {
		if _, err := Parse([]byte(bad), "p.yaml", o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", bad, err, want)
		}
	}
	// Without Options.Scenario, "scenarios" is a setting like any other.
	if _, err := Parse([]byte(src), "p.yaml", Options{Known: o.Known}); !errors.Is(err, ErrUnknownSetting) {
		t.Errorf("scenarios not allowed: %v", err)
	}
}
