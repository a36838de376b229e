package report

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckTraceLink(t *testing.T) {
	for _, ok := range []string{
		"https://tempo.example/trace/{trace_id}",
		"http://127.0.0.1:16686/trace/{trace_id}",
		"https://grafana.example/explore?left={\"queries\":[{\"query\":\"{trace_id}\"}]}",
	} {
		if err := CheckTraceLink(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "https://tempo.example/trace/", "javascript:alert('{trace_id}')", "data:text/html,{trace_id}",
		"//tempo.example/{trace_id}", "tempo.example/{trace_id}", "https:///{trace_id}",
	} {
		if err := CheckTraceLink(bad); !errors.Is(err, ErrBadTraceLink) {
			t.Errorf("%q: %v, want ErrBadTraceLink", bad, err)
		}
	}
	if got := TraceURL("https://tempo.example/trace/{trace_id}?x={trace_id}", "4bf92f3577b34da6a3ce929d0e0e4736"); got !=
		"https://tempo.example/trace/4bf92f3577b34da6a3ce929d0e0e4736?x=4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("TraceURL = %q", got)
	}
}

// Whatever the template, a link made from it is http(s) or nothing, and a
// trace id cannot break out of its place.
func FuzzTraceURL(f *testing.F) {
	f.Add("https://tempo.example/trace/{trace_id}", "4bf92f3577b34da6a3ce929d0e0e4736")
	f.Add("javascript:{trace_id}", "x")
	f.Add("HTTPS://x/{trace_id}", "a/../../b?c#d")
	f.Fuzz(func(t *testing.T, tmpl, id string) {
		u := TraceURL(tmpl, id)
		if u == "" {
			return
		}
		l := strings.ToLower(u)
		if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			t.Fatalf("TraceURL(%q, %q) = %q", tmpl, id, u)
		}
		if strings.ContainsAny(strings.ReplaceAll(u, tmpl, ""), "\"<>") && !strings.ContainsAny(tmpl, "\"<>") {
			t.Fatalf("the trace id put markup into %q", u)
		}
	})
}
