package runner

import (
	"slices"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	in := []string{"attack", "-header", "Authorization: Bearer a", "-collect-header", "X-Anything: b",
		"-collect-header=X-Other: c", "-metrics", "http://u:pw@h:9/metrics", "-pprof=http://u:pw@h/debug/pprof",
		"-url", "http://h/x?q=a@b", "-header", "Accept: text/plain"}
	want := []string{"attack", "-header", "Authorization: REDACTED", "-collect-header", "X-Anything: REDACTED",
		"-collect-header=X-Other: REDACTED", "-metrics", "http://u:xxxxx@h:9/metrics", "-pprof=http://u:xxxxx@h/debug/pprof",
		"-url", "http://h/x?q=a@b", "-header", "Accept: text/plain"}
	if got := RedactArgs(in); !slices.Equal(got, want) {
		t.Errorf("RedactArgs:\n got %q\nwant %q", got, want)
	}
}
