// Package goldenrecords finds the real run records checked in under the
// module's testdata/records, which report, compare, merge and renderer
// tests read instead of running live attacks (the way google/pprof's
// profile/testdata pairs small real inputs with golden outputs):
//
//	single        one attack of the demo target's /hello, 40/s for 1 s
//	shard-0,1     two shards of one attack, 20/s each for 1 s
//	capacity      a capacity search of /work?c=4&ms=20 (steps/NN inside)
//	collect-base  /fib?n=12 at 30/s for 2 s with pprof, metrics and expvar
//	collect-new   the same on /fib?n=30: a CPU and latency regression
//	traced        /stall?every=10&ms=40 at 40/s for 2 s, traced, with a trace link and metrics
//
// They are made once, on the loopback demo target, by
//
//	go test ./internal/goldenrecords -run TestRecords -update
//
// and then only read; without -update that test checks they still read.
// With -only name,name it remakes just those records.
// Regenerate them when the record format changes, then the golden outputs
// of the tests that read them (each with its own -update).
package goldenrecords

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Names of the records, in the order they are made.
var Names = []string{"single", "shard-0", "shard-1", "capacity", "collect-base", "collect-new", "traced"}

// Root is the absolute path of testdata/records.
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("goldenrecords: no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "records")
}

// Dir is the record name, to be read only.
func Dir(name string) string { return filepath.Join(Root(), name) }

// Copy copies the record name into a temporary directory, for tests that
// write into a record (report.html), and returns the copy's path. The
// copy's last path element is name.
func Copy(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	src := Dir(name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy golden record %s: %v", name, err)
	}
	return dst
}

// Summaries are the golden summary cases the renderers' tests share: a
// case name and the records loaded (merged) for it.
func Summaries() map[string][]string {
	return map[string][]string{
		"single":   {"single"},
		"shards":   {"shard-0", "shard-1"},
		"capacity": {"capacity"},
		"collect":  {"collect-new"},
	}
}

// Dirs are the paths of the named records, to be read only.
func Dirs(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, Dir(n))
	}
	return out
}

// Golden compares got with the golden output at path; with update it
// rewrites the file first (run with -update after checking the diff).
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (check, then run with -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
