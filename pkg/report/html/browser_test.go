package html_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
)

// findChromium returns the Chromium binary, or "" when none is installed.
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is the one headless Chromium the package's tests open their
// pages in, all in its one tab, one page at a time (see oneTab): starting
// the browser, and each new tab's renderer, is most of a browser test's
// cost on a busy machine. TestMain closes it.
var browser struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab
	cancel context.CancelFunc
	dir    string
	err    error
}

// startBrowser returns the shared browser's tab, starting the browser on
// first use; it skips the test where no Chromium is installed.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		t.Skip("no Chromium installed (apt-get install chromium): the HTML report's browser test needs one")
	}
	browser.once.Do(func() {
		browser.dir, browser.err = os.MkdirTemp("", "loadgen-html-chromium-")
		if browser.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(bin),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(browser.dir),
			chromedp.WindowSize(1280, 900),
		)
		actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, bcancel := chromedp.NewContext(actx)
		browser.ctx = bctx
		browser.cancel = func() { bcancel(); acancel() }
		if browser.err = chromedp.Do(bctx); browser.err != nil {
			return
		}
		// In front: a background tab gets no animation frames, and the
		// charts draw and follow the mouse in them.
		_, browser.err = chromedp.Call(bctx, cdpage.BringToFront, cdp.Empty{})
	})
	if browser.err != nil {
		t.Fatalf("start Chromium: %v", browser.err)
	}
	return browser.ctx
}

// oneTab keeps the browser to one page at a time: the tests run in
// parallel (the rest of a test, its fixture and its page's rendering,
// overlaps another's visit), and they take turns in the one tab.
var oneTab sync.Mutex

// closeBrowser ends the shared browser, if a test started it.
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
}

// browserPage opens a page file from disk in the browser's tab and runs
// check on it. It returns every console error and uncaught exception the
// page produced, and saves a full-page screenshot as shot (none if shot
// is "").
func browserPage(t *testing.T, tab context.Context, page, shot string, check func(ctx context.Context) error) []string {
	t.Helper()
	oneTab.Lock()
	defer oneTab.Unlock()

	// Subscribe to the console before the page loads, so that no message
	// is lost; the previous page was done with before this one's visit.
	lctx, lcancel := context.WithCancel(tab)
	var (
		mu   sync.Mutex
		msgs []string
		done = make(chan struct{})
	)
	console := chromedp.Console(lctx)
	go func() {
		defer close(done)
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				msgs = append(msgs, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
				mu.Unlock()
			}
		}
	}()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "file", Path: abs}
	if err := chromedp.Do(tab, chromedp.Navigate(u.String())); err != nil {
		t.Fatalf("open %s: %v", u.String(), err)
	}
	if err := check(tab); err != nil {
		t.Error(err)
	}
	if shot != "" {
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s: %d bytes", shot, len(png))
	}
	lcancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return msgs
}

// waitEval polls a JavaScript condition until it is true.
func waitEval(ctx context.Context, what, expr string) error {
	var last error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return errors.Join(fmt.Errorf("%s: not true in the page: %s", what, expr), last)
}

// The report and the comparison page opened from disk in one real browser.
func TestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	t.Run("report", func(t *testing.T) { reportInBrowser(t, b) })
	t.Run("compare", func(t *testing.T) { compareInBrowser(t, b) })
	t.Run("groups", func(t *testing.T) { groupsInBrowser(t, b) })
}

// The report: no console errors, every chart drawn by uPlot, pprof's
// flame graph drawn inside its frame; and laid out as a user reads it:
// axis titles clear of the numbers, stacked timeline charts lined up and
// starting at the first point, RSS from zero, the generator's block and
// warning, and the collector's own allocations marked apart. (One page
// for both: each page visit costs the browser a second or more.)
func reportInBrowser(t *testing.T, browser context.Context) {
	_, page := reportPage(t)
	// The full page for a person to look at under LOADGEN_SCREENSHOT_DIR;
	// otherwise what the browser composed of the top of the page (a tenth
	// of the full page's cost), to check it is not blank.
	shot := shotPath("report.png")
	var viewport []byte
	timeline := `["chart-latency", "chart-rate", "chart-cpu", "chart-gc"]`
	errs := browserPage(t, browser, page, shot, func(ctx context.Context) error {
		var all []error
		all = append(all, waitEval(ctx, "charts built", `document.body.getAttribute("data-charts") === "5"`))
		for _, id := range []string{"chart-latency", "chart-rate", "chart-cpu", "chart-gc", "chart-spectrum"} {
			all = append(all, waitEval(ctx, id+" drawn",
				`(() => { const c = document.querySelector("#`+id+` .uplot canvas"); return !!c && c.width > 300 && c.height > 100; })()`))
		}
		all = append(all,
			waitEval(ctx, "flame graph drawn",
				`(() => { const d = document.getElementById("flamegraph").contentDocument;
			  return !!d && d.querySelectorAll("#stack-chart .boxbg").length > 3 &&
			    [...d.querySelectorAll("#stack-chart .boxtext")].some(e => e.textContent.includes("root")); })()`),
			axesCheck(ctx),
			waitEval(ctx, "stacked charts line up", `(() => { const us = `+timeline+`.map(id => window.loadgenCharts[id]);
			  return us.every(u => u.bbox.left === us[0].bbox.left && u.bbox.width === us[0].bbox.width); })()`),
			// The earliest point of any timeline chart: the target's first
			// row of the attack may come before the first latency interval
			// ends.
			waitEval(ctx, "the time axis starts at the first point", `(() => { const us = `+timeline+`.map(id => window.loadgenCharts[id]);
			  const first = Math.min(...us.map(u => u.data[0][0]));
			  return us.every(u => Math.abs(u.scales.x.min - first) < 1e-6); })()`),
			waitEval(ctx, "RSS axis from zero", `window.loadgenCharts["chart-cpu"].scales.rss.min === 0`),
			waitEval(ctx, "generator block", `(() => { const g = document.getElementById("generator");
			  return !!g && g.textContent.includes("connections") && g.textContent.includes("per request") &&
			    [...document.querySelectorAll(".generator-warning")].some(e => e.textContent.includes("generator is saturated")); })()`),
			waitEval(ctx, "collector's allocations apart", `(() => { const n = document.getElementById("collector-share");
			  const top = document.getElementById("top-allocs").textContent;
			  return !!n && n.textContent.startsWith("90.00%") && top.includes("main.handleOrder") && !top.includes("pprof.handler"); })()`),
		)
		if shot == "" {
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				return errors.Join(append(all, fmt.Errorf("screenshot: %w", err))...)
			}
			viewport = png
		}
		return errors.Join(all...)
	})
	if len(errs) > 0 {
		t.Errorf("console errors in the report page:\n%s", strings.Join(errs, "\n"))
	}
	if shot != "" {
		st, err := os.Stat(shot)
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		viewport = make([]byte, st.Size())
	}
	t.Logf("screenshot %d bytes", len(viewport))
	if len(viewport) < 20_000 {
		t.Errorf("screenshot of %d bytes: blank?", len(viewport))
	}
}

// The comparison page: the spectrum chart and pprof's diff flame graph
// are drawn, with no console errors.
func compareInBrowser(t *testing.T, browser context.Context) {
	tmp := t.TempDir()
	base, next := goldenrecords.Dir("collect-base"), goldenrecords.Dir("collect-new")
	c, err := report.Compare([]string{base}, []string{next})
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(tmp, "compare.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := html.WriteCompare(f, c); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	shot := shotPath("compare.png")
	errs := browserPage(t, browser, page, shot, func(ctx context.Context) error {
		return errors.Join(
			waitEval(ctx, "spectrum drawn", `(() => { const c = document.querySelector("#chart-compare-spectrum .uplot canvas"); return !!c && c.width > 300; })()`),
			waitEval(ctx, "diff flame graph drawn", `(() => { const d = document.getElementById("flamegraph").contentDocument;
			  return !!d && d.querySelectorAll("#stack-chart .boxbg").length > 3 && d.querySelectorAll("#stack-chart .positive, #stack-chart .negative").length > 0; })()`),
			waitEval(ctx, "metrics table", `document.querySelectorAll("table.compare tbody tr").length === 12`),
		)
	})
	if len(errs) > 0 {
		t.Errorf("console errors in the comparison page:\n%s", strings.Join(errs, "\n"))
	}
}
