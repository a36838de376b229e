package slo

import (
	"strings"
	"testing"
)

// FuzzParse: no input panics; a parsed set re-parses to itself, and every
// check has a known key, a valid operator and a usable limit.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"p99<50ms,p999<200ms,success>=99.9%,missed==0",
		"service_p99 <= 1.5s", "throughput>1e3/s", "target_rss<512MB",
		"success>=0.99", "p99<50", "p99=<5ms", "x<<y", ",", "p99<5µs",
		`p99{group="GET /a, b"}<80ms,success{group=orders}>=99.9%`, "missed{scenario=w}==0", `p99{group="\"}"}<1s`,
	} {
		f.Add(s)
	}
	table := keys()
	f.Fuzz(func(t *testing.T, spec string) {
		set, err := Parse(spec)
		if err != nil {
			if set != nil {
				t.Fatal("error with a set")
			}
			return
		}
		again, err := Parse(set.String())
		if err != nil {
			t.Fatalf("normalised %q does not re-parse: %v", set.String(), err)
		}
		if again.String() != set.String() {
			t.Fatalf("re-parse changed %q to %q", set.String(), again.String())
		}
		for _, c := range set.Checks() {
			if _, ok := table[c.Key]; !ok {
				t.Fatalf("unknown key %q accepted", c.Key)
			}
			if c.Limit < 0 || c.Limit != c.Limit {
				t.Fatalf("bad limit %v in %q", c.Limit, c.Expr)
			}
			if !strings.Contains(c.Expr, c.Op) {
				t.Fatalf("expr %q lacks its op %q", c.Expr, c.Op)
			}
		}
	})
}
