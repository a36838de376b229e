package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The text comparison of two deterministic run records (written by the
// real Recorder) is byte for byte the golden table.
func TestCompareTextGolden(t *testing.T) {
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // run records named by relative paths, as people type them
	writeSynthetic(t, "runs/before", synthetic{secs: 60, perSec: 50, latency: 2 * time.Millisecond, cpu: 60, seed: 1})
	writeSynthetic(t, "runs/after", synthetic{secs: 60, perSec: 50, latency: 1 * time.Millisecond, cpu: 40, seed: 2})
	c, err := report.Compare([]string{"runs/before"}, []string{"runs/after"})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := report.WriteCompareText(&got, c); err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join(td, "compare.golden"), got.Bytes())
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
