// Package groups names the endpoint group of every target of an attack,
// so that a run can say which endpoint is slow. A group is, by default, a
// method and a URL: the demo's six /fib?n= URLs are six groups. A target
// can be named instead: by a field of its targets file, by a Rule
// (`-group NAME=PATTERN`), or within a scenario. When the distinct
// endpoints outnumber the limit, query values are folded first
// (/search?q=*), then id-like path segments (/users/{id}), and what is
// still too many goes to the "other" group, so memory and the run record
// stay bounded however many URLs a targets file holds.
//
//	set := groups.Build([]groups.Endpoint{
//		{Method: "GET", URL: "http://127.0.0.1:8080/users/1"},
//		{Method: "GET", URL: "http://127.0.0.1:8080/health"},
//	}, groups.Options{})
//	fmt.Println(set.Names[set.Of[0]]) // GET /users/1
//
// Group names come from URLs with their secrets (passwords, token-like
// query values) redacted, so they can be written anywhere.
package groups

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// DefaultMax is the group limit when Options.Max is 0.
const DefaultMax = 64

// Endpoint is one target as grouping sees it.
type Endpoint struct {
	Method, URL string
	// Name is the target's own group name ("" for none).
	Name string
	// Scenario is the scenario the target belongs to ("" without
	// scenarios); groups never span scenarios.
	Scenario string
}

// Options say how to group.
type Options struct {
	// Max is the most groups a run keeps (0: DefaultMax). It is raised to
	// one more than the number of scenarios, so every scenario keeps a
	// group of its own.
	Max int
	// Rules name the targets they match, first match wins; a target's own
	// Name wins over every rule.
	Rules []Rule
}

// Set is the grouping of an attack's targets.
type Set struct {
	// Names are the groups, in the order their first target appears,
	// "other" groups last. Index i is group i (tag g<i> in groups.hlog).
	Names []string
	// Scenario is each group's scenario ("" without scenarios).
	Scenario []string
	// Targets is how many targets each group holds.
	Targets []int
	// Of maps target i to its group.
	Of []int
	// Folding is set when targets were folded to stay within the limit.
	Folding *runrecord.GroupFolding
}

// ErrBadName is wrapped by errors about a group name.
var ErrBadName = errors.New("bad group name")

// CheckName reports whether a group name can be used: not empty, at most
// 200 bytes, no control characters, and not "other" (the overflow group).
func CheckName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: empty", ErrBadName)
	case len(name) > 200:
		return fmt.Errorf("%w %.40q...: longer than 200 bytes", ErrBadName, name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w %q: control characters", ErrBadName, name)
	case name == runrecord.OtherGroup:
		return fmt.Errorf("%w %q: reserved for the targets over the group limit", ErrBadName, name)
	}
	return nil
}

// Fold levels: how much of a URL is kept in its group name.
const (
	levelExact = iota // method and URL as given
	levelQuery        // query values folded: /search?q=*
	levelIDs          // and id-like path segments: /users/{id}
)

// Build groups endpoints (see the package doc).
func Build(eps []Endpoint, o Options) *Set {
	limit := o.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	scenarios := map[string]bool{}
	hosts := map[string]bool{}
	for _, e := range eps {
		scenarios[e.Scenario] = true
		if u, err := url.Parse(e.URL); err == nil {
			hosts[u.Scheme+"://"+u.Host] = true
		}
	}
	limit = max(limit, len(scenarios)+1)
	withHost := len(hosts) > 1

	// explicit[i] is target i's own or rule-given name ("" for none).
	explicit := make([]string, len(eps))
	for i, e := range eps {
		explicit[i] = e.Name
		for _, r := range o.Rules {
			if explicit[i] != "" {
				break
			}
			if r.Match(e.Method, e.URL) {
				explicit[i] = r.Name
			}
		}
	}
	keys := func(level int) []string {
		out := make([]string, len(eps))
		for i, e := range eps {
			k := explicit[i]
			if k == "" {
				k = e.Method + " " + display(e.URL, level, withHost)
			}
			if e.Scenario != "" {
				k = e.Scenario + ": " + k
			}
			out[i] = k
		}
		return out
	}
	distinct := func(ks []string) int {
		seen := make(map[string]bool, len(ks))
		for _, k := range ks {
			seen[k] = true
		}
		return len(seen)
	}

	exact := keys(levelExact)
	endpoints := distinct(exact)
	ks := exact
	var folded []string
	for level, what := range []string{levelQuery: "query values", levelIDs: "id-like path segments"} {
		if level == levelExact || distinct(ks) <= limit {
			continue
		}
		next := keys(level)
		if !slices.Equal(next, ks) {
			folded = append(folded, what)
		}
		ks = next
	}
	var folding *runrecord.GroupFolding
	if len(folded) > 0 {
		folding = &runrecord.GroupFolding{Endpoints: endpoints, Max: limit, Folded: folded}
	}
	if distinct(ks) > limit {
		ks = overflow(ks, eps, explicit, limit, len(scenarios))
		if folding == nil {
			folding = &runrecord.GroupFolding{Endpoints: endpoints, Max: limit}
		}
		seen := map[string]bool{}
		for i, k := range ks {
			if isOther(k, eps[i].Scenario) {
				seen[exact[i]] = true
			}
		}
		folding.Other = len(seen) // distinct endpoints, not targets
	}
	s := assemble(ks, eps)
	if folding != nil {
		folding.Groups = len(s.Names)
	}
	s.Folding = folding
	return s
}

// overflow keeps the groups holding the most targets (explicitly named
// ones first) and sends the rest of each scenario to its "other" group.
func overflow(ks []string, eps []Endpoint, explicit []string, limit, nScenarios int) []string {
	type cand struct {
		key      string
		first, n int
		named    bool
	}
	byKey := map[string]*cand{}
	var order []*cand
	for i, k := range ks {
		c := byKey[k]
		if c == nil {
			c = &cand{key: k, first: i}
			byKey[k] = c
			order = append(order, c)
		}
		c.n++
		c.named = c.named || explicit[i] != ""
	}
	sort.SliceStable(order, func(a, b int) bool {
		if order[a].named != order[b].named {
			return order[a].named
		}
		return order[a].n > order[b].n
	})
	keep := map[string]bool{}
	for _, c := range order[:limit-nScenarios] {
		keep[c.key] = true
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		if keep[k] {
			out[i] = k
			continue
		}
		out[i] = otherName(eps[i].Scenario)
	}
	return out
}

func otherName(scenario string) string {
	if scenario == "" {
		return runrecord.OtherGroup
	}
	return scenario + ": " + runrecord.OtherGroup
}

func isOther(k, scenario string) bool { return k == otherName(scenario) }

// assemble numbers the groups: by first appearance, "other" groups last.
func assemble(ks []string, eps []Endpoint) *Set {
	s := &Set{Of: make([]int, len(ks))}
	index := map[string]int{}
	add := func(k, scenario string) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(s.Names)
		s.Names = append(s.Names, k)
		s.Scenario = append(s.Scenario, scenario)
		s.Targets = append(s.Targets, 0)
		return index[k]
	}
	for pass := 0; pass < 2; pass++ {
		for i, k := range ks {
			if isOther(k, eps[i].Scenario) != (pass == 1) {
				continue
			}
			g := add(k, eps[i].Scenario)
			s.Of[i] = g
			s.Targets[g]++
		}
	}
	return s
}

// display is how a URL appears in a group name at a fold level: its path
// and query (with the scheme and host when the targets span several
// hosts), secrets redacted.
func display(raw string, level int, withHost bool) string {
	u, err := url.Parse(runrecord.RedactURL(raw))
	if err != nil {
		return raw
	}
	return displayURL(u, level, withHost)
}

// displayURL is display of a URL parsed (and redacted) already.
func displayURL(u *url.URL, level int, withHost bool) string {
	u.User = nil // RedactURL masks a password; the user name is not the endpoint either
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if level >= levelIDs {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if idLike(s) {
				segs[i] = "{id}"
			}
		}
		p = strings.Join(segs, "/")
	}
	q := u.RawQuery
	if level >= levelQuery && q != "" {
		parts := strings.Split(q, "&")
		for i, kv := range parts {
			if k, _, ok := strings.Cut(kv, "="); ok {
				parts[i] = k + "=*"
			}
		}
		q = strings.Join(parts, "&")
	}
	out := p
	if q != "" {
		out += "?" + q
	}
	if withHost {
		out = u.Scheme + "://" + u.Host + out
	}
	return out
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tokenRE = regexp.MustCompile(`^[A-Za-z0-9_.~%-]{8,}$`)
)

// idLike reports whether a path segment looks like an identifier rather
// than a route: a number, a UUID, or a long token with digits in it
// (a hex id, a slug with a serial: user_8731, 2024-05-01).
func idLike(seg string) bool {
	if seg == "" {
		return false
	}
	if strings.IndexFunc(seg, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return true
	}
	if uuidRE.MatchString(seg) {
		return true
	}
	return tokenRE.MatchString(seg) && strings.ContainsAny(seg, "0123456789")
}

// Rule names the group of the targets it matches: NAME=[METHOD ]PATTERN.
// PATTERN is a path.Match glob (* matches within one path segment) over
// the URL's path, over its path and query when it has a '?', or over the
// whole URL when it does not start with '/'.
type Rule struct {
	Name    string
	Method  string // "" matches every method
	Pattern string
}

// ErrBadRule is wrapped by ParseRule's errors.
var ErrBadRule = errors.New("bad group rule")

// ParseRule reads NAME=[METHOD ]PATTERN, like
// orders=POST /orders or user=/users/*.
func ParseRule(s string) (Rule, error) {
	name, rest, ok := strings.Cut(s, "=")
	name, rest = strings.TrimSpace(name), strings.TrimSpace(rest)
	if !ok || rest == "" {
		return Rule{}, fmt.Errorf("%w %q: want NAME=[METHOD ]PATTERN, like orders=POST /orders or user=/users/*", ErrBadRule, s)
	}
	if err := CheckName(name); err != nil {
		return Rule{}, fmt.Errorf("%w %q: %w", ErrBadRule, s, err)
	}
	r := Rule{Name: name, Pattern: rest}
	if m, p, ok := strings.Cut(rest, " "); ok && m == strings.ToUpper(m) && !strings.Contains(m, "/") {
		r.Method, r.Pattern = m, strings.TrimSpace(p)
	}
	if _, err := path.Match(r.Pattern, ""); err != nil {
		return Rule{}, fmt.Errorf("%w %q: pattern %q: %w", ErrBadRule, s, r.Pattern, err)
	}
	return r, nil
}

// String is the rule as ParseRule reads it.
func (r Rule) String() string {
	if r.Method == "" {
		return r.Name + "=" + r.Pattern
	}
	return r.Name + "=" + r.Method + " " + r.Pattern
}

// Match reports whether a target is the rule's.
func (r Rule) Match(method, raw string) bool {
	if r.Method != "" && r.Method != method {
		return false
	}
	subject := raw
	if strings.HasPrefix(r.Pattern, "/") {
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		subject = u.EscapedPath()
		if subject == "" {
			subject = "/"
		}
		if strings.Contains(r.Pattern, "?") && u.RawQuery != "" {
			subject += "?" + u.RawQuery
		}
	}
	ok, _ := path.Match(r.Pattern, subject)
	return ok
}
