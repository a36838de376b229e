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
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse([]byte(src), "p.yaml", Options{})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "p.yaml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, s := range p.Settings {
			if len(s.Values) != len(s.ValuePos) {
				t.Fatalf("%d values, %d positions", len(s.Values), len(s.ValuePos))
			}
		}
	})
}
