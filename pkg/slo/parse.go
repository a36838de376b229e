package slo

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Check is one parsed SLO check: Key{Selector} Op Limit.
type Check struct {
	Expr  string  // the check as written, spaces removed: p99<50ms, p99{group=orders}<80ms
	Key   string  // p99, success, ...
	Kind  Kind    // what the key measures
	Op    string  // <, <=, >, >=, ==
	Limit float64 // in the key's native unit: ns, ratio 0..1, /s, count, %, bytes
	// Group or Scenario, when set, is the endpoint group or the scenario
	// the check is about ({group=NAME}, {scenario=NAME}); else the run.
	Group, Scenario string
}

// Holds reports whether a value (in the key's native unit) meets the check.
func (c Check) Holds(v float64) bool {
	switch c.Op {
	case "<":
		return v < c.Limit
	case "<=":
		return v <= c.Limit
	case ">":
		return v > c.Limit
	case ">=":
		return v >= c.Limit
	case "==":
		return v == c.Limit
	}
	return false
}

// Set is a parsed -slo flag: every check must hold.
type Set struct {
	spec   string
	checks []Check
}

// String returns the normalised spec (checks joined by commas).
func (s *Set) String() string {
	if s == nil {
		return ""
	}
	return s.spec
}

// Checks returns the checks in the order given.
func (s *Set) Checks() []Check {
	if s == nil {
		return nil
	}
	return append([]Check(nil), s.checks...)
}

// ops in matching order: two-character operators first.
var ops = []string{"<=", ">=", "==", "<", ">"}

// Parse reads a comma list of checks. Errors name the check, say what is
// wrong with it and show a correct example, so a bad -slo fails before any
// traffic is sent.
func Parse(spec string) (*Set, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New("empty SLO: want checks like p99<50ms,success>=99.9%")
	}
	table := keys()
	set := &Set{}
	seen := map[string]bool{}
	parts := splitChecks(spec)
	for i, part := range parts {
		c, err := parseCheck(part, table)
		if err != nil {
			if len(parts) > 1 {
				return nil, fmt.Errorf("check %d of %d %q: %w", i+1, len(parts), strings.TrimSpace(part), err)
			}
			return nil, fmt.Errorf("check %q: %w", strings.TrimSpace(part), err)
		}
		if seen[c.Expr] {
			return nil, fmt.Errorf("check %d of %d %q: given twice", i+1, len(parts), c.Expr)
		}
		seen[c.Expr] = true
		set.checks = append(set.checks, c)
	}
	exprs := make([]string, len(set.checks))
	for i, c := range set.checks {
		exprs[i] = c.Expr
	}
	set.spec = strings.Join(exprs, ",")
	return set, nil
}

// splitChecks splits a spec at the commas between checks, not at those
// inside a quoted {group="..."} selector.
func splitChecks(spec string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(spec); i++ {
		switch c := spec[i]; {
		case quoted && c == '\\':
			i++
		case c == '"' && depth > 0:
			quoted = !quoted
		case quoted:
		case c == '{':
			depth++
		case c == '}' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, spec[start:i])
			start = i + 1
		}
	}
	return append(parts, spec[start:])
}

func parseCheck(part string, table map[string]key) (Check, error) {
	part, sel, err := cutSelector(part)
	if err != nil {
		return Check{}, err
	}
	expr := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, part)
	if expr == "" {
		return Check{}, errors.New("empty check (two commas in a row, or a trailing comma?)")
	}
	at, op := -1, ""
	for i := 0; i < len(expr) && at < 0; i++ {
		for _, o := range ops {
			if strings.HasPrefix(expr[i:], o) {
				at, op = i, o
				break
			}
		}
	}
	if at < 0 {
		if strings.ContainsAny(expr, "=!") {
			return Check{}, errors.New("no comparison: use one of < <= > >= == (a single = or != is not supported), like p99<50ms")
		}
		return Check{}, errors.New("no comparison: want KEY OP VALUE with OP one of < <= > >= ==, like p99<50ms")
	}
	name, val := strings.ToLower(expr[:at]), expr[at+len(op):]
	if name == "" {
		return Check{}, fmt.Errorf("missing key before %q: like p99%s50ms", op, op)
	}
	k, ok := table[name]
	if !ok {
		return Check{}, fmt.Errorf("unknown key %q: want one of %s", name, strings.Join(Keys(), ", "))
	}
	if val == "" {
		return Check{}, fmt.Errorf("missing value after %q: like %s", op, example(name, k.kind, op))
	}
	if strings.ContainsAny(val, "<>=") {
		return Check{}, fmt.Errorf("one comparison per check: split it with commas, like %s", example(name, k.kind, "<"))
	}
	limit, err := parseValue(val, k.kind)
	if err != nil {
		return Check{}, fmt.Errorf("%s: %w; like %s", name, err, example(name, k.kind, op))
	}
	c := Check{Expr: name + sel.String() + op + val, Key: name, Kind: k.kind, Op: op, Limit: limit}
	switch {
	case sel.what == "":
	case k.scope == runOnly:
		return Check{}, fmt.Errorf("%s is the whole run's, not a %s's: drop {%s=...}", name, sel.what, sel.what)
	case k.scope == notGroup && sel.what == "group":
		return Check{}, fmt.Errorf("%s is counted per scenario, not per group: use {scenario=...}", name)
	case sel.what == "group":
		c.Group = sel.name
	default:
		c.Scenario = sel.name
	}
	return c, nil
}

// selector is a check's {group=NAME} or {scenario=NAME}.
type selector struct{ what, name string }

// String is the selector as a normalised expression writes it: quoted
// only when the name needs it.
func (s selector) String() string {
	if s.what == "" {
		return ""
	}
	name := s.name
	if !bareName(name) {
		name = strconv.Quote(name)
	}
	return "{" + s.what + "=" + name + "}"
}

// bareName: a name that needs no quotes in a selector.
func bareName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "{}\",\\<>=") && strings.IndexFunc(s, unicode.IsSpace) < 0
}

// cutSelector removes a {group=NAME} or {scenario=NAME} selector that
// follows the key, like p99{group="GET /items"}<50ms.
func cutSelector(part string) (rest string, sel selector, err error) {
	open := strings.IndexByte(part, '{')
	if open < 0 {
		if strings.ContainsRune(part, '}') {
			return "", sel, errors.New("a '}' without '{': a selector is KEY{group=NAME}")
		}
		return part, sel, nil
	}
	body := part[open+1:]
	i, quoted := 0, false
	for ; i < len(body); i++ {
		c := body[i]
		if quoted && c == '\\' {
			i++
			continue
		}
		if c == '"' {
			quoted = !quoted
		}
		if c == '}' && !quoted {
			break
		}
	}
	if i >= len(body) {
		return "", sel, errors.New("unclosed selector: want KEY{group=NAME}, like p99{group=orders}<80ms")
	}
	what, name, ok := strings.Cut(body[:i], "=")
	what, name = strings.TrimSpace(what), strings.TrimSpace(name)
	if !ok || (what != "group" && what != "scenario") {
		return "", sel, fmt.Errorf("selector {%s}: want {group=NAME} or {scenario=NAME}", body[:i])
	}
	if strings.HasPrefix(name, `"`) {
		if name, err = strconv.Unquote(name); err != nil {
			return "", sel, fmt.Errorf("selector {%s}: bad quoted name", body[:i])
		}
	} else if !bareName(name) {
		return "", sel, fmt.Errorf("selector {%s}: quote a name with spaces or symbols, like {group=\"GET /items\"}", body[:i])
	}
	if name == "" {
		return "", sel, fmt.Errorf("selector {%s}: empty name", body[:i])
	}
	return part[:open] + body[i+1:], selector{what: what, name: name}, nil
}

// Groups returns the endpoint groups the checks name, in order.
func (s *Set) Groups() []string {
	var out []string
	for _, c := range s.Checks() {
		if c.Group != "" && !slices.Contains(out, c.Group) {
			out = append(out, c.Group)
		}
	}
	return out
}

// Scenarios returns the scenarios the checks name, in order.
func (s *Set) Scenarios() []string {
	var out []string
	for _, c := range s.Checks() {
		if c.Scenario != "" && !slices.Contains(out, c.Scenario) {
			out = append(out, c.Scenario)
		}
	}
	return out
}

func example(name string, kind Kind, op string) string {
	switch kind {
	case Latency:
		return name + op + "50ms"
	case Ratio:
		return name + op + "99.9%"
	case PerSec:
		return name + op + "1000/s"
	case Count:
		return name + op + "0"
	case Percent:
		return name + op + "80%"
	case Bytes:
		return name + op + "512MB"
	}
	return name + op + "1"
}

// number parses a finite, non-negative float.
func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%q must be a finite, non-negative number", s)
	}
	return v, nil
}

// parseValue reads a value in the units of kind and returns it in the
// kind's native unit.
func parseValue(val string, kind Kind) (float64, error) {
	switch kind {
	case Latency:
		d, err := time.ParseDuration(val)
		if err != nil {
			if _, nerr := strconv.ParseFloat(val, 64); nerr == nil {
				return 0, fmt.Errorf("%q needs a time unit (ns, us, ms, s)", val)
			}
			return 0, fmt.Errorf("%q is not a duration (a number with ns, us, ms or s)", val)
		}
		if d < 0 {
			return 0, fmt.Errorf("%q must not be negative", val)
		}
		return float64(d), nil
	case Ratio:
		if p, ok := strings.CutSuffix(val, "%"); ok {
			v, err := number(p)
			if err != nil {
				return 0, err
			}
			if v > 100 {
				return 0, fmt.Errorf("%q is over 100%%", val)
			}
			// v/100 rounds 99.9 to 0.9990000000000001, above the 0.999 a run
			// of 9990 successes in 10000 measures; scaling the decimal text
			// gives the correctly rounded ratio.
			if !strings.ContainsAny(p, "eE") {
				if r, err := strconv.ParseFloat(strings.TrimSpace(p)+"e-2", 64); err == nil {
					return r, nil
				}
			}
			return v / 100, nil
		}
		v, err := number(val)
		if err != nil {
			return 0, err
		}
		if v > 1 {
			return 0, fmt.Errorf("%q is a ratio over 1 (did you mean %s%%?)", val, val)
		}
		return v, nil
	case PerSec:
		v, _ := strings.CutSuffix(val, "/s")
		return number(v)
	case Count:
		return number(val)
	case Percent:
		v, _ := strings.CutSuffix(val, "%")
		return number(v)
	case Bytes:
		return parseBytes(val)
	}
	return 0, fmt.Errorf("unknown kind %d", kind)
}

// byteUnits are SI (KB = 1000) and IEC (KiB = 1024) suffixes, longest first.
var byteUnits = []struct {
	suffix string
	scale  float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

func parseBytes(val string) (float64, error) {
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(val, u.suffix); ok {
			v, err := number(n)
			if err != nil {
				return 0, err
			}
			return v * u.scale, nil
		}
	}
	return number(val)
}

// ParseBytes reads a byte size the way -slo's target_rss does: a number
// with an optional SI (KB = 1000) or IEC (KiB = 1024) unit, like 64MiB,
// 512MB or 1048576.
func ParseBytes(s string) (int64, error) {
	v, err := parseBytes(strings.TrimSpace(s))
	if err != nil || v < 0 || v > math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: want bytes with an optional unit, like 64MiB, 512MB or 1048576", s)
	}
	return int64(v), nil
}
