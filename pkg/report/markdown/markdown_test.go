package markdown_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	gtext "github.com/yuin/goldmark/text"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/markdown"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// tables parses md as GitHub Flavored Markdown and returns each table's
// cells, row by row (the header row first).
func tables(t *testing.T, md []byte) [][][]string {
	t.Helper()
	doc := goldmark.New(goldmark.WithExtensions(extension.Table)).Parser().Parse(gtext.NewReader(md))
	var out [][][]string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Kind() != east.KindTable {
			return ast.WalkContinue, nil
		}
		var rows [][]string
		for r := n.FirstChild(); r != nil; r = r.NextSibling() {
			var cells []string
			for c := r.FirstChild(); c != nil; c = c.NextSibling() {
				cells = append(cells, string(c.(*east.TableCell).Text(md)))
			}
			rows = append(rows, cells)
		}
		out = append(out, rows)
		return ast.WalkSkipChildren, nil
	})
	return out
}

func TestSummaryIsATable(t *testing.T) {
	s := runrecord.Summary{Requests: 1000, Rate: 100, Throughput: 99.5, SuccessRatio: 0.995,
		Latency: runrecord.Latency{P50: 2 * time.Millisecond, P99: 12 * time.Millisecond},
		SLO:     &runrecord.SLOResult{Pass: false, Checks: []runrecord.SLOCheck{{Expr: "p99<10ms", Value: 12, Unit: "ms"}, {Expr: "success>=99%", Value: 99.5, Unit: "%", Pass: true}}}}
	var b bytes.Buffer
	if err := markdown.WriteSummary(&b, "checkout | api", s); err != nil {
		t.Fatal(err)
	}
	tt := tables(t, b.Bytes())
	if len(tt) != 2 {
		t.Fatalf("%d tables in\n%s", len(tt), b.String())
	}
	if tt[0][0][0] != "metric" || len(tt[0]) < 10 {
		t.Fatalf("summary table %v", tt[0])
	}
	found := false
	for _, r := range tt[0] {
		if r[0] == "requests" && r[1] == "1000" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no requests row: %v", tt[0])
	}
	if len(tt[1]) != 3 || tt[1][1][1] != "12ms" || !strings.Contains(tt[1][1][2], "FAIL") {
		t.Fatalf("SLO table %v", tt[1])
	}
}

func TestCompareIsATable(t *testing.T) {
	dir := t.TempDir()
	base, next := filepath.Join(dir, "base"), filepath.Join(dir, "new")
	testrecords.WriteSynthetic(t, base, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 2 * time.Millisecond, CPU: 20, Seed: 1})
	testrecords.WriteSynthetic(t, next, testrecords.Synthetic{Secs: 20, PerSec: 200, Latency: 3 * time.Millisecond, CPU: 20, Seed: 2})
	c, err := report.Compare([]string{base}, []string{next})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := markdown.WriteCompare(&b, c); err != nil {
		t.Fatal(err)
	}
	tt := tables(t, b.Bytes())
	if len(tt) != 1 || len(tt[0]) != len(c.Metrics)+1 || len(tt[0][0]) != 7 {
		t.Fatalf("tables %v\n%s", tt, b.String())
	}
	for i, m := range c.Metrics {
		row := tt[0][i+1]
		if row[0] != m.Label || !strings.Contains(row[6], m.Verdict) {
			t.Fatalf("row %d %v for %+v", i, row, m)
		}
	}
}
