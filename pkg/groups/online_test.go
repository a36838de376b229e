package groups

import (
	"fmt"
	"slices"
	"testing"
)

// TestOnlineAgreesWithBuildUnderTheLimit: endpoints within the limit get
// the groups Build gives them, names, rules and hosts alike.
func TestOnlineAgreesWithBuildUnderTheLimit(t *testing.T) {
	eps := []Endpoint{
		{Method: "GET", URL: "http://127.0.0.1:1/fib?n=20"},
		{Method: "GET", URL: "http://127.0.0.1:1/fib?n=30"},
		{Method: "POST", URL: "http://127.0.0.1:1/orders"},
		{Method: "GET", URL: "http://127.0.0.1:1/fib?n=20"},
		{Method: "GET", URL: "http://127.0.0.1:1/users/7", Name: "user"},
		{Method: "GET", URL: "http://127.0.0.1:1/health"},
	}
	o := Options{Rules: []Rule{{Name: "health", Pattern: "/health"}}}
	want := Build(eps, o)
	on := NewOnline(o)
	for i, e := range eps {
		g, err := on.Add(e)
		if err != nil {
			t.Fatal(err)
		}
		on.Count(g, e.Method+" "+e.URL)
		if got := on.Names()[g]; got != want.Names[want.Of[i]] {
			t.Errorf("%s %s: group %q, Build says %q", e.Method, e.URL, got, want.Names[want.Of[i]])
		}
	}
	if s := on.Set(); !slices.Equal(s.Names, want.Names) || !slices.Equal(s.Targets, want.Targets) || s.Folding != nil {
		t.Errorf("set %v %v %v, Build's %v %v", s.Names, s.Targets, s.Folding, want.Names, want.Targets)
	}
}

// TestOnlineBoundedWhateverTheStream: a stream of unique URLs folds, as
// Build does, and never passes the limit; an endpoint seen again joins
// its group.
func TestOnlineBoundedWhateverTheStream(t *testing.T) {
	t.Parallel()
	on := NewOnline(Options{Max: 8})
	var groups []int
	// Past maxTracked distinct endpoints (the bound on what Online
	// remembers), and no further: each Add costs more under -race.
	for i := range maxTracked + 2000 {
		u := fmt.Sprintf("http://127.0.0.1:1/users/%d?page=%d", i, i%3)
		g, err := on.Add(Endpoint{Method: "GET", URL: u})
		if err != nil {
			t.Fatal(err)
		}
		on.Count(g, "GET "+u)
		groups = append(groups, g)
	}
	s := on.Set()
	if len(s.Names) > 8 {
		t.Fatalf("%d groups, over the limit of 8: %q", len(s.Names), s.Names)
	}
	if !slices.Contains(s.Names, "GET /users/{id}?page=*") {
		t.Fatalf("groups %q: want the folded GET /users/{id}?page=*", s.Names)
	}
	if s.Folding == nil || !slices.Equal(s.Folding.Folded, []string{"query values", "id-like path segments"}) || s.Folding.Endpoints != maxTracked {
		t.Fatalf("folding %+v", s.Folding)
	}
	// The first endpoints kept their exact groups; seen again, they join them.
	g, _ := on.Add(Endpoint{Method: "GET", URL: "http://127.0.0.1:1/users/0?page=0"})
	if g != groups[0] || s.Names[g] != "GET /users/0?page=0" {
		t.Fatalf("the first endpoint again: group %d %q, want %d", g, s.Names[g], groups[0])
	}
	if _, err := on.Add(Endpoint{Method: "GET", URL: "http://127.0.0.1:1/", Name: "other"}); err == nil {
		t.Fatal("the reserved name other was accepted")
	}
}

// BenchmarkOnlineAdd: the cost of grouping one streamed target, on the
// stream's reading goroutine (unique ids, past folding).
func BenchmarkOnlineAdd(b *testing.B) {
	on := NewOnline(Options{})
	urls := make([]string, 4096)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://127.0.0.1:8080/users/%d?page=%d", i*7919, i%3)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := on.Add(Endpoint{Method: "GET", URL: urls[i%len(urls)]}); err != nil {
			b.Fatal(err)
		}
	}
}
