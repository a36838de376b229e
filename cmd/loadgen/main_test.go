package main

import (
	"bytes"
	"github.com/loadgen/loadgen/internal/testrecords"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExitCodes(t *testing.T) {
	isolateHistory(t)
	notRecord := t.TempDir()
	cases := []struct {
		args []string
		code int
	}{
		{nil, exitUsage},
		{[]string{"nope"}, exitUsage},
		{[]string{"-h"}, exitOK},
		{[]string{"attack", "-h"}, exitOK},
		{[]string{"attack", "-rate", "x", "-url", "http://127.0.0.1:1/"}, exitUsage},
		{[]string{"attack", "-no-such-flag"}, exitUsage},
		{[]string{"report"}, exitUsage},
		{[]string{"report", "-type", "pdf", "x"}, exitUsage},
		// A directory that is not a run record is bad input, not a failure.
		{[]string{"report", notRecord}, exitUsage},
		{[]string{"report", "-type", "hlog", notRecord}, exitUsage},
		{[]string{"compare", notRecord, notRecord}, exitUsage},
		{[]string{"flame", notRecord}, exitUsage},
		{[]string{"version"}, exitOK},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		if got := run(c.args, &out, &errb); got != c.code {
			t.Errorf("loadgen %v exited %d, want %d (stderr %q)", c.args, got, c.code, errb.String())
		}
	}
}

// -h explains every flag.
func TestAttackHelpListsFlags(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"attack", "-h"}, &out, &errb)
	help := out.String() // -h is asked for: stdout, like the top-level help
	if errb.Len() > 0 {
		t.Errorf("attack -h wrote to stderr: %q", errb.String())
	}
	for _, f := range []string{"-rate", "-stages", "-sine", "-duration", "-url", "-targets", "-format", "-header", "-body", "-method",
		"-timeout", "-workers", "-max-workers", "-connections", "-max-connections", "-keepalive", "-http2", "-h2c",
		"-insecure", "-redirects", "-max-body", "-name", "-out", "-overwrite", "-interval", "-pacing", "-max-waiting", "-cpus"} {
		if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
			t.Errorf("attack -h does not explain %s", f)
		}
	}
}

// A wrong -type is bad usage (2); a corrupt profile of a run is a failure
// (1). (A directory that is not a run record is bad input: badrecord_test.)
func TestFlameExitCodes(t *testing.T) {
	isolateHistory(t)
	dir := t.TempDir()
	testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: 2, PerSec: 5, Latency: time.Millisecond, Seed: 1})
	if err := os.MkdirAll(filepath.Join(dir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profiles", "cpu.pb.gz"), []byte("not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	testrecords.Reseal(t, dir) // corrupt, but the run's own
	for args, want := range map[string]int{"-type nope": exitUsage, "-type cpu": exitFailure} {
		var out, errb bytes.Buffer
		if got := run(append(append([]string{"flame"}, strings.Fields(args)...), dir), &out, &errb); got != want {
			t.Errorf("flame %s: exit %d, want %d (%s)", args, got, want, errb.String())
		}
	}
}
