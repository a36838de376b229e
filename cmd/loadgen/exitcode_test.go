package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/loadgen/loadgen/internal/demotarget"
)

// TestSLOExitCodes pins the statuses CI depends on: a failed SLO (3) is
// distinct from a usage error (2) and from success (0).
func TestSLOExitCodes(t *testing.T) {
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"pass", []string{"attack", "-rate", "20", "-duration", "500ms", "-url", srv.URL + "/hello", "-slo", "success>=99%", "-out", filepath.Join(dir, "a")}, exitOK},
		{"slo", []string{"attack", "-rate", "10", "-duration", "500ms", "-url", srv.URL + "/fib?n=27", "-slo", "p99<1us", "-out", filepath.Join(dir, "b")}, exitSLO},
		{"usage", []string{"attack", "-url", srv.URL + "/hello", "-slo", "p99<", "-out", filepath.Join(dir, "c")}, exitUsage},
	} {
		var out, errb bytes.Buffer
		if got := run(tc.args, &out, &errb); got != tc.want {
			t.Errorf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.name, got, tc.want, out.String(), errb.String())
		}
	}
}
