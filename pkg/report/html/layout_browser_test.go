package html_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/pprof/profile"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// shotPath is where a browser test saves its screenshot for a person to
// look at: under LOADGEN_SCREENSHOT_DIR, or "" (none) when that is unset.
// A full-page screenshot costs a second or two of the browser's time;
// without one, reportInBrowser checks the top of its page is not blank.
func shotPath(name string) string {
	if d := os.Getenv("LOADGEN_SCREENSHOT_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return ""
}

// axesFit is true when every y axis of every chart is at least as wide as
// its longest tick label (plus the tick), so the title never runs over
// the numbers and no number is cut.
const axesFit = `(() => {
  const bad = [];
  for (const [id, u] of Object.entries(window.loadgenCharts)) {
    u.axes.forEach((a, i) => {
      if (i === 0 || !a._values || !a._values.length) return;
      u.ctx.font = a.font[0];
      const widest = Math.max(...a._values.map(v => u.ctx.measureText(String(v)).width / uPlot.pxRatio));
      if (a._size < widest + a.ticks.size) bad.push(id + " axis " + i + ": " + a._size + " < " + widest);
    });
  }
  return bad.length === 0 || bad.join("; ");
})()`

// axesCheck runs axesFit once the charts are drawn and says which axis
// is too narrow.
func axesCheck(ctx context.Context) error {
	if err := waitEval(ctx, "charts drawn and aligned", `!!window.loadgenCharts && document.body.getAttribute("data-aligned") === "1"`); err != nil {
		return err
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](axesFit))
	if err != nil {
		return err
	}
	if v != true {
		return fmt.Errorf("y axes narrower than their labels: %v", v)
	}
	return nil
}

// allocsWithCollector writes an allocation profile in which most bytes
// were allocated serving pprof and Prometheus, as in a quiet Go target.
func allocsWithCollector(t testing.TB, dir string) {
	t.Helper()
	fn := func(id uint64, name string) *profile.Function { return &profile.Function{ID: id, Name: name} }
	work, gz, gather := fn(1, "main.handleOrder"), fn(2, "net/http/pprof.handler.ServeHTTP"), fn(3, "github.com/prometheus/client_golang/prometheus.(*Registry).Gather")
	loc := func(id uint64, f *profile.Function) *profile.Location {
		return &profile.Location{ID: id, Line: []profile.Line{{Function: f}}}
	}
	lw, lg, lp := loc(1, work), loc(2, gz), loc(3, gather)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}},
		Sample: []*profile.Sample{
			{Location: []*profile.Location{lw}, Value: []int64{10, 1000}},
			{Location: []*profile.Location{lg}, Value: []int64{50, 6000}},
			{Location: []*profile.Location{lp}, Value: []int64{20, 3000}},
		},
		Location: []*profile.Location{lw, lg, lp}, Function: []*profile.Function{work, gz, gather},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"}, Period: 524288,
	}
	f, err := os.Create(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileAllocs))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	testrecords.Reseal(t, dir) // the test's profile is the run's now
}

// The capacity page leads with the search's result, and its latency-vs-rate
// chart draws the SLO's bound.
func TestCapacityPageInBrowser(t *testing.T) {
	t.Parallel()
	if findChromium() == "" {
		t.Skip("no Chromium installed (apt-get install chromium): the HTML report's browser test needs one")
	}
	dir := htmlFixture(t)
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	run.Kind = "capacity"
	step := func(rate float64, pass bool, p99 time.Duration, thr float64, note string) runrecord.CapacityStep {
		return runrecord.CapacityStep{Rate: rate, Phase: "grow", Pass: pass, Dir: "steps/01", Requests: 100, Throughput: thr,
			Success: 1, P50: p99 / 3, P99: p99, P999: p99 * 2, Shortfall: note}
	}
	run.Summary.Capacity = &runrecord.Capacity{
		SustainableRate: 200, Knee: 206, StopReason: "bisected to within 5%: 200/s passes, 206/s fails", SLO: "p99<500ms",
		MinRate: 50, MaxRate: 400, Precision: 0.05, SummaryStep: "steps/03",
		LatencyLimits: []runrecord.LatencyLimit{{Expr: "p99<500ms", Key: "p99", Limit: 500 * time.Millisecond}},
		Steps: []runrecord.CapacityStep{
			step(50, true, 30*time.Millisecond, 50, ""), step(100, true, 35*time.Millisecond, 100, ""),
			step(200, true, 60*time.Millisecond, 199.5, ""),
			step(206, false, 90*time.Millisecond, 197.9, "delivered 199.8/s of the 206/s offered (3.0% short): the target did not sustain the rate"),
			step(400, false, 1900*time.Millisecond, 200, ""),
		},
	}
	if err := runrecord.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	page, err := html.WriteRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	errs := browserPage(t, startBrowser(t), page, shotPath("capacity.png"), func(ctx context.Context) error {
		return errors.Join(
			waitEval(ctx, "capacity first", `document.querySelector("section").id === "capacity" &&
			  document.getElementById("capacity-result").textContent.trim() === "200.00/s"`),
			waitEval(ctx, "latency chart drawn", `!!window.loadgenCharts["chart-capacity-latency"]`),
			waitEval(ctx, "SLO line", `(() => { const u = window.loadgenCharts["chart-capacity-latency"];
			  const i = u.series.findIndex(s => s.label === "SLO p99<500ms");
			  return i > 0 && u.data[i].every(v => v === 500); })()`),
			axesCheck(ctx),
			waitEval(ctx, "shortfall noted", `document.getElementById("capacity").textContent.includes("did not sustain the rate")`),
		)
	})
	if len(errs) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
	}
}
