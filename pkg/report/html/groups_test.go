package html_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report/html"
)

// groupsFixture is a synthetic record of three endpoint groups: 2 ms,
// 30 ms and 8 ms.
func groupsFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "groups")
	testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: 20, PerSec: 60, Seed: 3, Groups: []testrecords.SyntheticGroup{
		{Name: "GET /fib?n=10", Latency: 2 * time.Millisecond},
		{Name: "GET /fib?n=25", Latency: 30 * time.Millisecond},
		{Name: "GET /fib?n=20", Latency: 8 * time.Millisecond},
	}})
	return dir
}

// The page has a table of groups, slowest p99 first, and every group's
// latency timeline on the run's time axis for the chart's group switch.
func TestHTMLReportGroups(t *testing.T) {
	t.Parallel()
	path, err := html.WriteRecord(groupsFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	rows := regexp.MustCompile(`<tr data-group="(\d)"><td data-v="([^"]+)">`).FindAllStringSubmatch(page, -1)
	if len(rows) != 3 || rows[0][2] != "GET /fib?n=25" || rows[1][2] != "GET /fib?n=20" || rows[2][2] != "GET /fib?n=10" || rows[0][1] != "1" {
		t.Errorf("group rows %q: want the slowest p99 first, each with its chart index", rows)
	}
	if n := len(regexp.MustCompile(`<option value="\d">`).FindAllString(page, -1)); n != 3 {
		t.Errorf("%d groups in the chart switch, want 3", n)
	}
	m := regexp.MustCompile(`const LOADGEN = (.*);</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data")
	}
	var data struct {
		Time   []float64 `json:"time"`
		Groups []struct {
			Name string     `json:"name"`
			P50  []*float64 `json:"p50"`
			Rate []float64  `json:"rate"`
		} `json:"groups"`
		Exemplars []struct {
			Y     float64 `json:"y"`
			Group string  `json:"group"`
		} `json:"exemplars"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	// The slowest requests name their group, on the chart and in the
	// table: each interval's are the slow group's.
	byGroup := map[string]int{}
	for _, e := range data.Exemplars {
		byGroup[e.Group]++
	}
	if len(data.Exemplars) == 0 || byGroup["GET /fib?n=25"] != len(data.Exemplars) {
		t.Errorf("exemplar dots by group %v: want every one the slow group's", byGroup)
	}
	if !strings.Contains(page, "<th>status or error</th><th>group</th><th>target</th>") ||
		!regexp.MustCompile(`<td class="outcome">\d+</td><td class="target"><code>GET /fib\?n=25</code></td>`).MatchString(page) {
		t.Error("the slowest-requests table has no group column, or its first row is not the slow group's")
	}
	if len(data.Groups) != 3 || data.Groups[1].Name != "GET /fib?n=25" || len(data.Groups[1].P50) != len(data.Time) {
		t.Fatalf("chart groups: %d, want 3 on %d points", len(data.Groups), len(data.Time))
	}
	var sum float64
	for i, v := range data.Groups[1].P50 {
		if v != nil && i%600 != 300 && (*v < 15 || *v > 60) {
			t.Errorf("slow group's p50 at %d: %.1f ms", i, *v)
		}
		sum += data.Groups[1].Rate[i]
	}
	if sum < 390 || sum > 410 {
		t.Errorf("slow group's rate adds up to %.0f responses, want 400", sum)
	}
}

// In a real browser (a subtest of TestHTMLInBrowser): the groups table
// sorts by a click on a column, and a click on a group switches the
// latency chart to it, without errors.
func groupsInBrowser(t *testing.T, browser context.Context) {
	page, err := html.WriteRecord(groupsFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	shot := shotPath("groups.png")
	first := `document.querySelector("#groups-table tbody tr td").getAttribute("data-v")`
	// Dots drawn on the latency chart (those of the first interval lie
	// left of its first point, so not all of the page's exemplars).
	dots := `Number(document.getElementById("chart-latency").uplot.root.getAttribute("data-dots"))`
	errs := browserPage(t, browser, page, shot, func(ctx context.Context) error {
		return errors.Join(
			waitEval(ctx, "charts built", `Number(document.body.getAttribute("data-charts")) >= 3`),
			waitEval(ctx, "slowest first", first+` === "GET /fib?n=25"`),
			waitEval(ctx, "sort by name, twice", `(() => { const h = document.querySelectorAll("#groups-table thead th")[0]; h.click(); h.click(); return h.getAttribute("data-dir") === "asc"; })()`),
			waitEval(ctx, "first name first", first+` === "GET /fib?n=10"`),
			waitEval(ctx, "sort by p99", `(() => { const h = document.querySelectorAll("#groups-table thead th")[6]; h.click(); return h.getAttribute("data-dir") === "desc"; })()`),
			waitEval(ctx, "slowest p99 first again", first+` === "GET /fib?n=25"`),
			waitEval(ctx, "sort by p99 the other way", `(() => { document.querySelectorAll("#groups-table thead th")[6].click(); return true; })()`),
			waitEval(ctx, "fastest p99 first", first+` === "GET /fib?n=10"`),
			waitEval(ctx, "the slowest requests drawn", `(window.allDots = `+dots+`) > 0`),
			waitEval(ctx, "click a group", `(() => { document.querySelector('#groups-table tr[data-group="1"]').click(); return true; })()`),
			waitEval(ctx, "chart shows the group", `document.body.getAttribute("data-latency-group") === "GET /fib?n=25"`),
			waitEval(ctx, "its slowest requests drawn (every one is the slow group's)", dots+` === window.allDots`),
			waitEval(ctx, "click the fast group", `(() => { document.querySelector('#groups-table tr[data-group="0"]').click(); return true; })()`),
			waitEval(ctx, "chart shows the fast group", `document.body.getAttribute("data-latency-group") === "GET /fib?n=10"`),
			waitEval(ctx, "no other group's dots", dots+` === 0`),
		)
	})
	if len(errs) > 0 {
		t.Errorf("console errors in the report page:\n%s", strings.Join(errs, "\n"))
	}
}
