package flame_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// TestRendersSideBySide: pprof's web UI renders a page from the driver's
// process-wide settings, which every invocation rewrites, so a CPU flame
// graph rendered while an allocation profile's top table was being made
// came out with that table's sample index ("sample_index alloc_space must
// be one of: samples cpu"): the HTML report lost its flame graph now and
// then when reports were rendered side by side (the html tests, on a busy
// box). Each render must come out as if it ran alone.
func TestRendersSideBySide(t *testing.T) {
	dir := goldenrecords.Dir("collect-new")
	cpu, err := report.LoadProfile("cpu", dir)
	if err != nil || cpu == nil {
		t.Fatalf("load CPU profile: %v", err)
	}
	allocs, err := report.LoadProfile("allocs", dir)
	if err != nil || allocs == nil {
		t.Fatalf("load allocation profile: %v", err)
	}
	const rounds = 25
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		bad  int
		last string
	)
	fail := func(s string) {
		mu.Lock()
		bad, last = bad+1, s
		mu.Unlock()
	}
	for range 3 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range rounds {
				page, err := flame.Embeddable(cpu, nil, "")
				if err != nil {
					fail(err.Error())
				} else if !strings.Contains(page, "demotarget.Fib") {
					fail("no demotarget.Fib in the CPU flame graph")
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range rounds {
				if _, err := flame.Top(allocs, 5, "alloc_space"); err != nil {
					fail(err.Error())
				}
			}
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of %d renders side by side failed, the last: %s", bad, 6*rounds, last)
	}
}
