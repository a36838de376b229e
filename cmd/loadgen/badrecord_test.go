package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// TestBadRecordsExitTwo: report, compare and flame refuse what is not a
// run record, files of another run, and values out of range, with exit
// status 2 and a message that names the file and what is wrong. None of
// these used to fail: they rendered an all-zero report with status 0.
func TestBadRecordsExitTwo(t *testing.T) {
	root := t.TempDir()
	good := filepath.Join(root, "good")
	testrecords.WriteSynthetic(t, good, testrecords.Synthetic{Secs: 3, PerSec: 10, Latency: time.Millisecond, CPU: 10, Seed: 1})
	other := filepath.Join(root, "other")
	testrecords.WriteSynthetic(t, other, testrecords.Synthetic{Secs: 3, PerSec: 10, Latency: time.Millisecond, CPU: 10, Seed: 2})
	var out, errb bytes.Buffer
	if code := run([]string{"report", good}, &out, &errb); code != exitOK {
		t.Fatalf("a good record: exit %d: %s", code, errb.String())
	}

	spoiled := func(name string, spoil func(dir string)) string {
		dir := filepath.Join(root, name)
		if err := os.CopyFS(dir, os.DirFS(good)); err != nil {
			t.Fatal(err)
		}
		spoil(dir)
		return dir
	}
	write := func(file, content string) func(string) {
		return func(dir string) { os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644) }
	}
	edit := func(from, to string) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, runrecord.MetaFile)
			b, _ := os.ReadFile(p)
			if !bytes.Contains(b, []byte(from)) {
				t.Fatalf("run.json lacks %q", from)
			}
			os.WriteFile(p, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644)
		}
	}
	empty := filepath.Join(root, "empty")
	os.MkdirAll(empty, 0o755)
	for _, tc := range []struct {
		name string
		dirs []string
		want string // in stderr
	}{
		{"missing directory", []string{filepath.Join(root, "nope")}, "nope: no such run record directory"},
		{"empty directory", []string{empty}, "empty: not a run record: it has no run.json"},
		{"{}", []string{spoiled("obj", write(runrecord.MetaFile, "{}"))}, "obj/run.json: not a loadgen run record"},
		{"null", []string{spoiled("null", write(runrecord.MetaFile, "null"))}, "null/run.json: not a loadgen run record"},
		{"another tool's JSON", []string{spoiled("k6", write(runrecord.MetaFile, `{"metrics":{"http_reqs":{"count":3}}}`))}, "k6/run.json: not a loadgen run record"},
		{"negative duration", []string{spoiled("neg", edit(`"duration": 3000000000`, `"duration": -3000000000`))}, "neg/run.json: summary: duration is negative"},
		{"latency log cut in its header", []string{spoiled("cut", write(runrecord.LatencyLog, "#[Histogram log format version 1.3]\n#[Start"))}, "cut/latency.hlog: has no run id"},
		{"another run's timeline", []string{spoiled("mixed", func(d string) {
			b, _ := os.ReadFile(filepath.Join(other, runrecord.TargetFile))
			os.WriteFile(filepath.Join(d, runrecord.TargetFile), b, 0o644)
		})}, "mixed/target.jsonl: belongs to run"},
		{"a stray profile", []string{spoiled("stray", func(d string) {
			os.MkdirAll(filepath.Join(d, runrecord.ProfilesDir), 0o755)
			os.WriteFile(filepath.Join(d, runrecord.ProfilesDir, runrecord.ProfileHeap), []byte("x"), 0o644)
		})}, "stray/profiles/heap.pb.gz: is not part of run"},
		{"the same run twice", []string{good, good}, "is the same run as"},
	} {
		for _, cmd := range [][]string{{"report"}, {"report", "-type", "hlog"}, {"report", "-type", "json"}, {"compare", strings.Join(tc.dirs, ","), good}, {"flame"}} {
			args := append(append([]string(nil), cmd...), tc.dirs...)
			if cmd[0] == "compare" {
				args = cmd
			}
			out.Reset()
			errb.Reset()
			if code := run(args, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("%s: loadgen %s: exit %d, stderr %q; want exit %d and %q", tc.name, strings.Join(cmd, " "), code, errb.String(), exitUsage, tc.want)
			}
		}
	}
}
