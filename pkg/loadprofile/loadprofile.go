// Package loadprofile reads load profiles: YAML test plans whose keys are
// settings (for loadgen, the names of `loadgen attack` flags) and whose
// values are a scalar or a list of scalars. It checks the document's shape
// and reports every problem as "file:line:column: ..." so that an editor
// jumps to it; what a setting means is the caller's business.
//
//	p, err := loadprofile.Parse(data, "profiles/smoke.yaml", loadprofile.Options{
//		Known:  func(key string) bool { return key == "url" || key == "rate" },
//		IsPath: func(key string) bool { return key == "targets" },
//	})
//	for _, s := range p.Settings {
//		fmt.Println(s.Key, s.Values) // url [http://127.0.0.1:8080/]
//	}
//
// With Options.Scenario set, a top-level "scenarios" key holds a list of
// mappings, each one scenario's own settings (Profile.Scenarios).
package loadprofile

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Profile is a parsed load profile.
type Profile struct {
	Path     string
	Settings []Setting
	// Scenarios are the entries of a top-level "scenarios" list (when
	// Options.Scenario allows one), each a mapping of its own settings.
	Scenarios []Scenario
	// ScenariosPos is where the "scenarios" key is written.
	ScenariosPos Pos
	// Secrets are the values substituted from the environment
	// (Options.Getenv): a caller never records or prints them.
	Secrets []string
}

// Scenario is one entry of a profile's scenarios list.
type Scenario struct {
	Pos      Pos // where the entry starts
	Settings []Setting
}

// ScenariosKey is the top-level key of a profile's scenarios.
const ScenariosKey = "scenarios"

// Setting is one key of a profile with its values, in file order.
type Setting struct {
	Key    string
	Values []string
	// Raw are the values as written, before ${NAME} substitution: what an
	// error message may quote.
	Raw []string
	// Where the key is written; ValuePos[i] is where Values[i] is.
	Pos      Pos
	ValuePos []Pos
}

// Pos is a place in the profile file.
type Pos struct{ Line, Column int }

// Options tell Parse which settings exist and which hold file paths.
type Options struct {
	// Known reports whether a key is a setting; nil accepts every key.
	Known func(key string) bool
	// IsPath reports whether a key's values are file paths. Relative
	// paths are resolved against the profile's directory, so a profile
	// works from any working directory.
	IsPath func(key string) bool
	// Scenario, if set, allows a top-level "scenarios" list of mappings
	// and reports whether a key is a setting inside one.
	Scenario func(key string) bool
	// Getenv, when set, substitutes ${NAME} in every value with the
	// variable NAME (see Expand); an unset one is an error at its value.
	Getenv func(name string) (string, bool)
}

// Error is a problem at a place in a profile.
type Error struct {
	Path string
	Pos  Pos // zero when the problem is the whole file
	Err  error
}

func (e *Error) Error() string {
	if e.Pos.Line == 0 {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.Path, e.Pos.Line, e.Pos.Column, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUnknownSetting is wrapped by the Error for a key Options.Known rejects.
var ErrUnknownSetting = errors.New("unknown setting")

// Errorf returns an Error at the setting's value i (or at its key when i
// is out of range), for callers that find a value invalid.
func (p *Profile) Errorf(s Setting, i int, format string, a ...any) error {
	pos := s.Pos
	if i >= 0 && i < len(s.ValuePos) {
		pos = s.ValuePos[i]
	}
	return &Error{Path: p.Path, Pos: pos, Err: fmt.Errorf(format, a...)}
}

// Parse reads a profile from data; path names it in errors and anchors
// relative paths.
func Parse(data []byte, path string, o Options) (*Profile, error) {
	fail := func(n *yaml.Node, format string, a ...any) error {
		e := &Error{Path: path, Err: fmt.Errorf(format, a...)}
		if n != nil {
			e.Pos = Pos{n.Line, n.Column}
		}
		return e
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	if len(doc.Content) == 0 {
		return nil, fail(nil, "empty profile")
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, fail(m, "a profile is a mapping of setting names to values")
	}
	p := &Profile{Path: path}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if o.Scenario == nil || k.Value != ScenariosKey {
			continue
		}
		p.ScenariosPos = Pos{k.Line, k.Column}
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
			return nil, fail(v, "%q is a list of scenarios, each a mapping of settings (name, url or targets, rate, stages or sine)", ScenariosKey)
		}
		for _, item := range v.Content {
			if item.Kind != yaml.MappingNode {
				return nil, fail(item, "a scenario is a mapping of settings, like {name: reads, url: http://127.0.0.1:8080/items, rate: 200}")
			}
			st, err := settings(item, path, o.Scenario, o.IsPath, o.Getenv, &p.Secrets, fail, false)
			if err != nil {
				return nil, err
			}
			p.Scenarios = append(p.Scenarios, Scenario{Pos: Pos{item.Line, item.Column}, Settings: st})
		}
	}
	var err error
	if p.Settings, err = settings(m, path, o.Known, o.IsPath, o.Getenv, &p.Secrets, fail, o.Scenario != nil); err != nil {
		return nil, err
	}
	return p, nil
}

// settings reads a mapping of settings, substituting ${NAME} with getenv
// when set (what it substitutes is added to secrets); skipScenarios
// leaves the top-level scenarios key to the caller.
func settings(m *yaml.Node, path string, known, isPath func(string) bool, getenv func(string) (string, bool), secrets *[]string,
	fail func(*yaml.Node, string, ...any) error, skipScenarios bool) ([]Setting, error) {
	var out []Setting
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if skipScenarios && k.Value == ScenariosKey {
			continue
		}
		key := strings.TrimLeft(k.Value, "-")
		if known != nil && !known(key) {
			return nil, &Error{Path: path, Pos: Pos{k.Line, k.Column}, Err: fmt.Errorf("%w %q", ErrUnknownSetting, k.Value)}
		}
		if line, dup := seen[key]; dup {
			return nil, fail(k, "%q is already set on line %d", key, line)
		}
		seen[key] = k.Line
		var vals []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			vals = []*yaml.Node{v}
		case yaml.SequenceNode:
			vals = v.Content
		default:
			return nil, fail(v, "%q needs a value or a list of values", key)
		}
		s := Setting{Key: key, Pos: Pos{k.Line, k.Column}}
		for _, val := range vals {
			if val.Kind != yaml.ScalarNode {
				return nil, fail(val, "%q: list items must be plain values", key)
			}
			str := val.Value
			s.Raw = append(s.Raw, str)
			if getenv != nil {
				x, used, err := Expand(str, getenv)
				if err != nil {
					return nil, &Error{Path: path, Pos: Pos{val.Line, val.Column}, Err: fmt.Errorf("%s: %w", key, err)}
				}
				str = x
				*secrets = append(*secrets, used...)
			}
			if isPath != nil && isPath(key) && str != "" && !filepath.IsAbs(str) {
				str = filepath.Join(filepath.Dir(path), str)
			}
			s.Values = append(s.Values, str)
			s.ValuePos = append(s.ValuePos, Pos{val.Line, val.Column})
		}
		out = append(out, s)
	}
	return out, nil
}
