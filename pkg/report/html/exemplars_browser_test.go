package html_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The exemplars in a real browser: the slowest request's dot on the
// latency chart shows its details on hover (a hostile target's markup as
// plain text, never run), a click opens its trace in the -trace-link
// viewer or, without a link, copies the trace id; the table links every
// slowest request to its trace; no console errors.
func TestExemplarsInBrowser(t *testing.T) {
	t.Parallel()
	if findChromium() == "" {
		t.Skip("no Chromium installed (apt-get install chromium): the HTML report's browser test needs one")
	}
	dir := tracedFixture(t, true)
	page, err := html.WriteRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	run, err := runrecord.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	slowest := run.Summary.Exemplars[0]
	errs := browserPage(t, startBrowser(t), page, shotPath("exemplars.png"), func(ctx context.Context) error {
		if err := waitEval(ctx, "charts built", `document.body.getAttribute("data-charts") === "5"`); err != nil {
			return err
		}
		// Where the slowest request's dot is, in viewport pixels, and the
		// mouse over it until its tooltip shows. The position is taken again
		// on each try: on a busy box the page may still be laying out (other
		// charts drawing, the scroll settling) when it is first measured.
		var x, y float64
		tip := `(() => { const tip = document.querySelector("#chart-latency .extip");
			  return !!tip && !tip.hidden && tip.textContent.includes("` + slowest.TraceID + `") &&
			    tip.textContent.includes('<img src=x onerror="window.__xss=2">') && tip.querySelector("img") === null; })()`
		var all []error
		hovered := false
		for deadline := time.Now().Add(60 * time.Second); !hovered && time.Now().Before(deadline); {
			xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
			const el = document.getElementById("chart-latency");
			el.scrollIntoView({block: "center", behavior: "instant"});
			const u = el.uplot, e = LOADGEN.exemplars.find(x => x.trace === "`+slowest.TraceID+`");
			const r = u.over.getBoundingClientRect();
			return [r.left + u.valToPos(e.x, "x"), r.top + u.valToPos(e.y, "ms")];
		})()`))
			if err != nil {
				return fmt.Errorf("find the dot: %w", err)
			}
			x, y = xy[0], xy[1]
			if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", x-3, y)); err != nil {
				return err
			}
			if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", x, y)); err != nil {
				return err
			}
			for settle := time.Now().Add(2 * time.Second); time.Now().Before(settle); time.Sleep(100 * time.Millisecond) {
				if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](tip)); err == nil && ok {
					hovered = true
					break
				}
			}
		}
		if !hovered {
			all = append(all, fmt.Errorf("tooltip with the details, as text: not true in the page: %s", tip))
		}
		// With -trace-link a click opens the trace viewer.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.open = (u) => { window.__opened = u; return null; }, true)`)); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
			return err
		}
		all = append(all, waitEval(ctx, "click opens the trace",
			`window.__opened === "https://tempo.example/trace/`+slowest.TraceID+`"`))
		// Without one, it copies the trace id.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(LOADGEN.trace_link = "", true)`)); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
			return err
		}
		all = append(all, waitEval(ctx, "click copies the trace id",
			`[...document.querySelectorAll(".toast")].some(t => t.textContent.includes("`+slowest.TraceID+`"))`))
		all = append(all,
			waitEval(ctx, "table links each slowest request to its trace",
				`document.querySelectorAll('#exemplars a[href^="https://tempo.example/trace/"]').length === `+fmt.Sprint(len(run.Summary.Exemplars))),
			waitEval(ctx, "hostile strings shown, not run",
				`window.__xss === undefined && document.querySelectorAll('img[src="x"]').length === 0 &&
				 document.querySelector("#exemplars td.outcome").textContent.includes("<script>window.__xss=1</script>")`))
		return errors.Join(all...)
	})
	if len(errs) > 0 {
		t.Errorf("console errors in the report page:\n%s", strings.Join(errs, "\n"))
	}
}
