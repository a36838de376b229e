package text_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
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
	testrecords.WriteSynthetic(t, "runs/before", testrecords.Synthetic{Secs: 20, PerSec: 50, Latency: 2 * time.Millisecond, CPU: 60, Seed: 1})
	testrecords.WriteSynthetic(t, "runs/after", testrecords.Synthetic{Secs: 20, PerSec: 50, Latency: 1 * time.Millisecond, CPU: 40, Seed: 2})
	c, err := report.Compare([]string{"runs/before"}, []string{"runs/after"})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := text.WriteCompare(&got, c); err != nil {
		t.Fatal(err)
	}
	goldenrecords.Golden(t, filepath.Join(td, "compare.golden"), got.Bytes(), *update)
}
