package groups

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

const base = "http://127.0.0.1:8080"

func get(urls ...string) []Endpoint {
	var out []Endpoint
	for _, u := range urls {
		out = append(out, Endpoint{Method: "GET", URL: base + u})
	}
	return out
}

func namesOf(s *Set) []string {
	out := make([]string, len(s.Of))
	for i, g := range s.Of {
		out[i] = s.Names[g]
	}
	return out
}

// By default a group is a method and a URL: equal URLs share one, the
// demo's /fib sizes are one each, and nothing is folded.
func TestDefaultGroupsAreMethodAndURL(t *testing.T) {
	eps := get("/fib?n=10", "/fib?n=25", "/fib?n=10", "/health")
	eps = append(eps, Endpoint{Method: "POST", URL: base + "/fib?n=10"})
	s := Build(eps, Options{})
	want := []string{"GET /fib?n=10", "GET /fib?n=25", "GET /fib?n=10", "GET /health", "POST /fib?n=10"}
	if got := namesOf(s); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("groups %q, want %q", got, want)
	}
	if len(s.Names) != 4 || s.Targets[0] != 2 || s.Folding != nil {
		t.Errorf("names %q targets %v folding %+v", s.Names, s.Targets, s.Folding)
	}
}

// Targets on several hosts keep the host in the name; secrets never reach
// a name.
func TestNamesShowHostsAndHideSecrets(t *testing.T) {
	s := Build([]Endpoint{
		{Method: "GET", URL: "http://127.0.0.1:8080/a?token=s3cr3t&page=2"},
		{Method: "GET", URL: "http://bob:hunter2@[::1]:9090/a"},
	}, Options{})
	for _, n := range s.Names {
		if strings.Contains(n, "s3cr3t") || strings.Contains(n, "hunter2") || strings.Contains(n, "bob") {
			t.Errorf("secret in group name %q", n)
		}
	}
	if s.Names[0] != "GET http://127.0.0.1:8080/a?token=REDACTED&page=2" || s.Names[1] != "GET http://[::1]:9090/a" {
		t.Errorf("names %q", s.Names)
	}
}

// Thousands of distinct URLs (an id in the path and a page in the query)
// fold into a bounded number of groups: query values first, then ids.
// (2,000 is 30 times DefaultMax; the test took 10,000, five times the
// cost under -race for no more folding.)
func TestThousandsOfURLsFold(t *testing.T) {
	t.Parallel()
	const n = 2000
	var urls []string
	for i := 0; i < n; i++ {
		urls = append(urls, fmt.Sprintf("/users/%d/orders?page=%d", i, i%7))
	}
	urls = append(urls, "/health", "/items/5b2c9a3e-0d4f-4a8e-9c61-2f1e8b7a6d03")
	s := Build(get(urls...), Options{})
	if len(s.Names) != 3 {
		t.Fatalf("%d groups: %q", len(s.Names), s.Names[:min(5, len(s.Names))])
	}
	want := []string{"GET /users/{id}/orders?page=*", "GET /health", "GET /items/{id}"}
	if strings.Join(s.Names, "|") != strings.Join(want, "|") {
		t.Errorf("names %q, want %q", s.Names, want)
	}
	f := s.Folding
	if f == nil || f.Endpoints != n+2 || f.Groups != 3 || f.Max != DefaultMax || f.Other != 0 ||
		strings.Join(f.Folded, ",") != "query values,id-like path segments" {
		t.Errorf("folding %+v", f)
	}
	if s.Targets[0] != n {
		t.Errorf("targets per group %v", s.Targets)
	}
}

// Only what is needed is folded: query values alone when that is enough.
func TestFoldsOnlyAsMuchAsNeeded(t *testing.T) {
	var urls []string
	for i := 0; i < 100; i++ {
		urls = append(urls, fmt.Sprintf("/search?q=%d", i))
	}
	urls = append(urls, "/users/42")
	s := Build(get(urls...), Options{})
	if strings.Join(s.Names, "|") != "GET /search?q=*|GET /users/42" || strings.Join(s.Folding.Folded, ",") != "query values" {
		t.Errorf("names %q folding %+v", s.Names, s.Folding)
	}
}

// What folding cannot bring under the limit goes to "other", last; the
// groups with the most targets stay, and the summary can say how many
// endpoints went to "other".
func TestOverflowGoesToOther(t *testing.T) {
	urls := []string{"/a", "/a", "/a", "/b", "/b", "/c", "/d", "/e"}
	s := Build(get(urls...), Options{Max: 3})
	want := []string{"GET /a", "GET /a", "GET /a", "GET /b", "GET /b", "other", "other", "other"}
	if got := namesOf(s); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("groups %q, want %q", got, want)
	}
	if s.Names[len(s.Names)-1] != runrecord.OtherGroup || s.Folding.Other != 3 || s.Folding.Groups != 3 || s.Folding.Folded != nil {
		t.Errorf("names %q folding %+v", s.Names, s.Folding)
	}
}

// Explicit names (a targets file's field, a rule) group what they name,
// win over folding and over "other", and are scoped by scenario.
func TestExplicitNamesAndRules(t *testing.T) {
	rule, err := ParseRule("user=GET /users/*")
	if err != nil {
		t.Fatal(err)
	}
	post, err := ParseRule("orders=POST /orders")
	if err != nil {
		t.Fatal(err)
	}
	eps := []Endpoint{
		{Method: "GET", URL: base + "/users/1"},
		{Method: "GET", URL: base + "/users/2"},
		{Method: "POST", URL: base + "/orders"},
		{Method: "GET", URL: base + "/orders"},
		{Method: "GET", URL: base + "/users/3", Name: "vip"},
	}
	s := Build(eps, Options{Rules: []Rule{rule, post}})
	want := []string{"user", "user", "orders", "GET /orders", "vip"}
	if got := namesOf(s); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("groups %q, want %q", got, want)
	}

	eps = []Endpoint{
		{Method: "GET", URL: base + "/items", Scenario: "reads"},
		{Method: "POST", URL: base + "/orders", Scenario: "writes", Name: "orders"},
		{Method: "GET", URL: base + "/items", Scenario: "writes"},
	}
	s = Build(eps, Options{})
	want = []string{"reads: GET /items", "writes: orders", "writes: GET /items"}
	if got := namesOf(s); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("scenario groups %q, want %q", got, want)
	}
	if s.Scenario[0] != "reads" || s.Scenario[1] != "writes" {
		t.Errorf("scenarios %q", s.Scenario)
	}
}

// Each scenario over the limit gets its own "other", so a scenario's
// requests always add up to its groups.
func TestOtherPerScenario(t *testing.T) {
	var eps []Endpoint
	for _, sc := range []string{"a", "b"} {
		for i := 0; i < 5; i++ {
			eps = append(eps, Endpoint{Method: "GET", URL: fmt.Sprintf("%s/x%c", base, 'a'+i), Scenario: sc})
		}
	}
	s := Build(eps, Options{Max: 4})
	if len(s.Names) != 4 || s.Names[2] != "a: other" || s.Names[3] != "b: other" {
		t.Fatalf("names %q", s.Names)
	}
	for i, g := range s.Of {
		if s.Scenario[g] != eps[i].Scenario {
			t.Errorf("target %d of %s in group %q of %s", i, eps[i].Scenario, s.Names[g], s.Scenario[g])
		}
	}
}

func TestIDLike(t *testing.T) {
	for seg, want := range map[string]bool{
		"42": true, "5b2c9a3e-0d4f-4a8e-9c61-2f1e8b7a6d03": true, "507f1f77bcf86cd799439011": true,
		"user_8731": true, "2024-05-01": true,
		"users": false, "v2": false, "api": false, "index.html": false, "": false, "healthz": false,
	} {
		if idLike(seg) != want {
			t.Errorf("idLike(%q) = %v, want %v", seg, !want, want)
		}
	}
}

func TestParseRule(t *testing.T) {
	for in, want := range map[string]string{
		"orders=POST /orders":         "orders=POST /orders",
		" user = /users/* ":           "user=/users/*",
		"fib=/fib?n=2*":               "fib=/fib?n=2*",
		"all=http://127.0.0.1:8080/*": "all=http://127.0.0.1:8080/*",
		"GET /x=/y":                   "GET /x=/y",
	} {
		r, err := ParseRule(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRule(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	for _, in := range []string{"", "name", "=/x", "x=", "other=/x", "x=/[", "a\nb=/x"} {
		if _, err := ParseRule(in); !errors.Is(err, ErrBadRule) {
			t.Errorf("ParseRule(%q): %v, want ErrBadRule", in, err)
		}
	}
	r, _ := ParseRule("fib=/fib?n=2*")
	if !r.Match("GET", base+"/fib?n=25") || r.Match("GET", base+"/fib?n=10") || r.Match("GET", base+"/fib") {
		t.Errorf("query pattern matches wrongly")
	}
	r, _ = ParseRule("u=/users/*")
	if !r.Match("DELETE", base+"/users/7?x=1") || r.Match("GET", base+"/users/7/orders") {
		t.Errorf("path pattern matches wrongly")
	}
}
