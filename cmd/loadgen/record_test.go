package main

import (
	"slices"
	"testing"
)

func TestRedactArgs(t *testing.T) {
	in := []string{"attack", "-header", "Authorization: Bearer a", "-collect-header", "X-Anything: b",
		"-collect-header=X-Other: c", "-header=Cookie: a=b", "-header", "Accept: text/plain"}
	want := []string{"attack", "-header", "Authorization: REDACTED", "-collect-header", "X-Anything: REDACTED",
		"-collect-header=X-Other: REDACTED", "-header=Cookie: REDACTED", "-header", "Accept: text/plain"}
	if got := redactArgs(in); !slices.Equal(got, want) {
		t.Errorf("redactArgs:\n got %q\nwant %q", got, want)
	}
}
