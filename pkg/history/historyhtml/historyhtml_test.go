package historyhtml_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/history/historyhtml"
)

func runs() []history.Run {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var out []history.Run
	for i, ms := range []float64{4.1, 3.9, 4.0, 4.2, 4.0, 6.1, 5.9, 6.2, 6.0} {
		out = append(out, history.Run{ID: fmt.Sprintf("r%d", i), Name: "checkout", Kind: "attack",
			Start: t0.Add(time.Duration(i) * time.Hour), Path: fmt.Sprintf("/runs/checkout-%d", i),
			Labels:  map[string]string{"git": fmt.Sprintf("c%d", i)},
			Metrics: map[string]history.Value{"latency.p99": {V: ms * 1e6, Sigma: 1e5, N: 30}, "throughput": {V: 100}}})
	}
	return out
}

func TestPage(t *testing.T) {
	var b bytes.Buffer
	trends := history.Trends(runs(), history.TrendOptions{})
	if err := historyhtml.Write(&b, trends, historyhtml.Options{X: "git", LinkBase: "/runs"}); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var charts, links int
	var scripts []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "class" && a.Val == "chart" {
					charts++
				}
				if n.Data == "a" && a.Key == "href" && strings.HasSuffix(a.Val, "/report.html") {
					links++
				}
				if (n.Data == "script" || n.Data == "link") && a.Key == "src" || n.Data == "link" && a.Key == "href" {
					t.Errorf("external resource %s=%q: the page must be self-contained", a.Key, a.Val)
				}
			}
			if n.Data == "script" && n.FirstChild != nil {
				scripts = append(scripts, n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if charts != 2 { // p99 and throughput, the metrics these runs have
		t.Errorf("%d charts, want 2", charts)
	}
	if links != 9+1 { // the runs table, and the one shift
		t.Errorf("%d report links, want 10", links)
	}
	page := b.String()
	for _, want := range []string{"uPlot", `"x":["c0","c1"`, `"shifts":[{"index":5,"class":"worse"}]`, "checkout-5/report.html", "latency p99 worse"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if len(scripts) != 3 {
		t.Errorf("%d inline scripts, want uPlot, data and glue", len(scripts))
	}
}

func Example() {
	// In loadgen: runs from db.List, then `loadgen history -type html`.
	historyhtml.Write(os.Stdout, history.Trends(runs(), history.TrendOptions{}), historyhtml.Options{X: "git"})
}
