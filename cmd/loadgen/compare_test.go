package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/loadgen/loadgen/internal/demotarget"
)

// `loadgen compare` on two profiled attacks of the demo target at the same
// rate, cheap Fibonacci numbers then expensive ones: the table shows the
// latency and CPU regression and the profile diff is Fib's. Not a script:
// scripts run in parallel in this process, which is also the target, and
// their load would mix into these profiles.
func TestCompareWithCollector(t *testing.T) {
	isolateHistory(t)
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tmp := t.TempDir()
	for _, r := range []struct{ n, out string }{{"12", "base"}, {"28", "new"}} {
		var out, errb bytes.Buffer
		if code := run([]string{"attack", "-rate", "30", "-duration", "3s", "-url", srv.URL + "/fib?n=" + r.n,
			"-pprof", srv.AdminURL + "/debug/pprof", "-metrics", srv.AdminURL + "/metrics",
			"-collect-baseline", "0", "-out", filepath.Join(tmp, r.out)}, &out, &errb); code != 0 {
			t.Fatalf("attack: exit %d: %s", code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"compare", filepath.Join(tmp, "base"), filepath.Join(tmp, "new")}, &out, &errb); code != 0 {
		t.Fatalf("compare: exit %d: %s", code, errb.String())
	}
	t.Logf("\n%s", out.String())
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
}
