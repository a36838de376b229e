package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
)

var update = flag.Bool("update", false, "rewrite golden outputs under testdata/")

// `loadgen compare` on two golden records of profiled attacks of the demo
// target at the same rate, cheap Fibonacci numbers then expensive ones:
// the table shows the latency and CPU regression and the profile diff is
// Fib's, byte for byte the golden output.
func TestCompareWithCollector(t *testing.T) {
	isolateHistory(t)
	td, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(goldenrecords.Copy(t, "collect-base")))
	if err := os.Rename(goldenrecords.Copy(t, "collect-new"), "collect-new"); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"compare", "collect-base", "collect-new"}, &out, &errb); code != 0 {
		t.Fatalf("compare: exit %d: %s", code, errb.String())
	}
	for _, re := range []string{
		`(?m)^latency p99 +\S+ +\S+ +[-+]\S+ +\d+\.\d\dx `,
		`(?m)^target CPU \(mean\) +\S+% +\S+% +\+\S+ pp +\d+\.\d\dx .* worse$`,
		`(?m)^target RSS \(max\) +\S+ \S+ +\S+ \S+ `,
		`(?m)^target GC pause p99 `,
		`(?m)^github.com/loadgen/loadgen/internal/demotarget.Fib +\S+% +\S+% +\+\S+ pp `,
		`(?m)^Diff flame graph: `,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("comparison lacks %s", re)
		}
	}
	goldenrecords.Golden(t, filepath.Join(td, "compare_collect.golden"), out.Bytes(), *update)
}
