package groups

import (
	"net/url"
	"slices"
	"sync"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// maxTracked bounds the distinct endpoints Online remembers to count them
// for GroupFolding: past it, a stream of unique URLs costs no more memory,
// and the counts are lower bounds.
const maxTracked = 10000

// Online groups endpoints one at a time, as a target stream is read during
// the attack, where Build sees every target first. It follows Build's
// rules in Build's order: a target's own name, else the first matching
// rule, else its method and URL; when new endpoints fill half the limit,
// query values are folded (for them and every later endpoint), at three
// quarters id-like path segments too, and past the limit they go to the
// "other" group. What it cannot do is look ahead: a group keeps the name
// it was given, so endpoints seen before folding began keep their exact
// groups, folding begins before the limit so that folded groups find
// room, and one place is kept for "other" from the start. The host is
// in a name when it is not the first target's. It is safe for concurrent
// use.
type Online struct {
	mu        sync.Mutex
	limit     int
	rules     []Rule
	level     int    // fold level of new groups
	firstHost string // scheme://host of the first endpoint
	names     []string
	index     map[string]int
	targets   []int
	other     int // index of the "other" group; -1 until made
	seen      map[string]bool
	inOther   map[string]bool
	folded    []string
}

// NewOnline starts grouping with o's limit and rules.
func NewOnline(o Options) *Online {
	limit := o.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	return &Online{limit: max(limit, 2), rules: o.Rules, index: map[string]int{}, other: -1,
		seen: map[string]bool{}, inOther: map[string]bool{}}
}

// Add returns e's group, making it if it is new; Count counts it when it
// is sent. A bad e.Name is an error wrapping ErrBadName.
func (g *Online) Add(e Endpoint) (int, error) {
	if e.Name != "" {
		if err := CheckName(e.Name); err != nil {
			return 0, err
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	name := e.Name
	for _, r := range g.rules {
		if name != "" {
			break
		}
		if r.Match(e.Method, e.URL) {
			name = r.Name
		}
	}
	// Redacted and parsed once: the keys at each fold level come from it.
	u, perr := url.Parse(runrecord.RedactURL(e.URL))
	withHost := false
	if perr == nil {
		h := u.Scheme + "://" + u.Host
		if g.firstHost == "" {
			g.firstHost = h
		}
		withHost = h != g.firstHost
	}
	key := func(level int) string {
		if perr != nil {
			return e.Method + " " + e.URL
		}
		return e.Method + " " + displayURL(u, level, withHost)
	}
	if name != "" {
		if i, ok := g.index[name]; ok {
			return i, nil
		}
		if len(g.names) < g.limit-1 {
			return g.add(name), nil
		}
		return g.overflow(), nil
	}
	// An endpoint joins the group of its exact name, or of a folded one
	// made after folding began.
	for level := levelExact; level <= g.level; level++ {
		if i, ok := g.index[key(level)]; ok {
			return i, nil
		}
	}
	for {
		if len(g.names) < g.room() {
			return g.add(key(g.level)), nil
		}
		if g.level == levelIDs {
			return g.overflow(), nil
		}
		g.level++
		g.folded = append(g.folded, []string{levelQuery: "query values", levelIDs: "id-like path segments"}[g.level])
		if i, ok := g.index[key(g.level)]; ok {
			return i, nil
		}
	}
}

// Count notes one target of group (Add's) sent, and its endpoint
// (method and URL, any string that tells endpoints apart): Set counts
// the targets sent, not those read ahead and never sent.
func (g *Online) Count(group int, endpoint string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if group < 0 || group >= len(g.targets) {
		return
	}
	g.targets[group]++
	if len(g.seen) < maxTracked {
		g.seen[endpoint] = true
	}
	if group == g.other && len(g.inOther) < maxTracked {
		g.inOther[endpoint] = true
	}
}

// room is how many groups the current fold level may fill. Without
// looking ahead, a stream of unique ids would take every place with exact
// names before folding could begin: exact names may take half the
// places, query-folded ones up to three quarters, and one is kept for
// "other".
func (g *Online) room() int {
	switch g.level {
	case levelExact:
		return max(1, g.limit/2)
	case levelQuery:
		return max(1, g.limit*3/4)
	}
	return g.limit - 1
}

func (g *Online) add(name string) int {
	g.index[name] = len(g.names)
	g.names = append(g.names, name)
	g.targets = append(g.targets, 0)
	return len(g.names) - 1
}

func (g *Online) overflow() int {
	if g.other < 0 {
		g.other = g.add(runrecord.OtherGroup)
	}
	return g.other
}

// Names are the groups so far, in the order they were made.
func (g *Online) Names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.names)
}

// Set is the grouping so far as Build would describe it: Names,
// Scenario (all ""), Targets (targets sent to each group, by Count) and
// Folding (its Endpoints are those sent); Of is nil, since targets are
// not kept.
func (g *Online) Set() *Set {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := &Set{Names: slices.Clone(g.names), Scenario: make([]string, len(g.names)), Targets: slices.Clone(g.targets)}
	if len(g.folded) > 0 || g.other >= 0 {
		s.Folding = &runrecord.GroupFolding{Endpoints: len(g.seen), Groups: len(g.names), Max: g.limit,
			Folded: slices.Clone(g.folded), Other: len(g.inOther)}
	}
	return s
}
