package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/internal/testrecords"
)

// TestSLOExitCodes pins the statuses CI depends on: a failed SLO (3) is
// distinct from a usage error (2) and from success (0).
func TestSLOExitCodes(t *testing.T) {
	isolateHistory(t)
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

// isolateHistory points the run history of in-process commands at a
// temporary file, so tests never write runs/history.db in the source tree.
func isolateHistory(t *testing.T) {
	t.Setenv(historyEnv, filepath.Join(t.TempDir(), "history.db"))
}

// TestCompareFailOnWorse: -fail-on worse exits 4 when a metric is worse
// beyond the noise (records 50 % slower), 0 when nothing is, and the
// JUnit file marks the worse metrics failed either way.
func TestCompareFailOnWorse(t *testing.T) {
	dir := t.TempDir()
	base, slower := filepath.Join(dir, "base"), filepath.Join(dir, "slower")
	testrecords.WriteSynthetic(t, base, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 2 * time.Millisecond, CPU: 20, Seed: 1})
	testrecords.WriteSynthetic(t, slower, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 3 * time.Millisecond, CPU: 20, Seed: 2})
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"compare", "-fail-on", "worse", base, slower}, exitWorse},
		{[]string{"compare", "-fail-on", "worse:latency.p50", base, slower}, exitWorse},
		{[]string{"compare", "-fail-on", "worse:success_ratio", base, slower}, exitOK},
		{[]string{"compare", "-fail-on", "worse", slower, base}, exitOK},
		{[]string{"compare", base, slower}, exitOK},
		{[]string{"compare", "-fail-on", "better", base, slower}, exitUsage},
	} {
		var out, errb bytes.Buffer
		if got := run(tc.args, &out, &errb); got != tc.want {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, got, tc.want, errb.String())
		}
		if tc.want == exitWorse && !strings.Contains(errb.String(), "latency p50 worse: ") {
			t.Errorf("%v: stderr does not name the worse metric:\n%s", tc.args, errb.String())
		}
	}
}
