package archtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/loadgen/loadgen/"

// anything marks a package that may import every other (the CLI, the
// benchmark harness, test support).
const anything = "*"

// rules maps each package (relative to the module) to the loadgen
// packages it may import directly (DESIGN.md, "Import rules").
func rules() map[string][]string {
	return map[string][]string{
		"cmd/loadgen":             {anything},
		"bench":                   {anything},
		"internal/testrecords":    {anything},
		"internal/archtest":       {},
		"internal/goldenrecords":  {}, // finds the checked-in records; its test (the -update step) makes them
		"internal/demotarget":     {},
		"internal/hostile":        {},
		"internal/testparallel":   {},
		"pkg/attack":              {},
		"pkg/runrecord":           {},
		"pkg/loadprofile":         {},
		"pkg/groups":              {"pkg/runrecord"},
		"pkg/recording":           {"pkg/attack", "pkg/runrecord"},
		"pkg/livemetrics":         {"pkg/attack", "pkg/runrecord"},
		"pkg/report":              {"pkg/runrecord"},
		"pkg/report/text":         {"pkg/report", "pkg/runrecord"},
		"pkg/report/junit":        {"pkg/report", "pkg/report/text", "pkg/runrecord"},
		"pkg/report/markdown":     {"pkg/report", "pkg/report/text", "pkg/runrecord"},
		"pkg/report/flame":        {"pkg/report", "pkg/runrecord"},
		"pkg/report/html":         {"pkg/report", "pkg/report/text", "pkg/report/flame", "pkg/runrecord"},
		"pkg/collect":             {"pkg/runrecord"},
		"pkg/slo":                 {"pkg/runrecord"},
		"pkg/runner":              {"pkg/attack", "pkg/recording", "pkg/livemetrics", "pkg/collect", "pkg/report", "pkg/runrecord", "pkg/slo", "pkg/groups"},
		"pkg/capacity":            {"pkg/attack", "pkg/recording", "pkg/collect", "pkg/report", "pkg/runrecord", "pkg/slo", "pkg/runner", "pkg/groups"},
		"pkg/coordinator":         {"pkg/attack", "pkg/recording", "pkg/collect", "pkg/report", "pkg/runrecord", "pkg/slo"},
		"pkg/manifests":           {},
		"pkg/changepoint":         {},
		"pkg/history":             {"pkg/changepoint", "pkg/report", "pkg/runrecord"},
		"pkg/history/historytext": {"pkg/changepoint", "pkg/history", "pkg/report", "pkg/report/text"},
		"pkg/history/historyhtml": {"pkg/changepoint", "pkg/history", "pkg/history/historytext", "pkg/report", "pkg/report/html", "pkg/report/text", "pkg/runrecord"},
	}
}

// heavyForReports are third-party packages a report must not link: rendering a run
// record needs neither an HTTP client nor the attack's libraries.
func heavyForReports() []string {
	return []string{
		"github.com/tsenart/vegeta",
		"github.com/valyala/fasthttp",
		"golang.org/x/net/http2",
	}
}

// violations checks a package graph (package -> direct loadgen imports,
// all relative to the module) against the rules, and names every
// forbidden edge.
func violations(graph map[string][]string, rules map[string][]string) []string {
	var out []string
	for pkg, imports := range graph {
		allowed, ok := rules[pkg]
		if !ok {
			out = append(out, pkg+": no import rule for this package; add it to rules() in internal/archtest, following DESIGN.md")
			continue
		}
		if len(allowed) == 1 && allowed[0] == anything {
			continue
		}
		for _, imp := range imports {
			if !contains(allowed, imp) {
				out = append(out, "forbidden import "+pkg+" -> "+imp+" (allowed: "+strings.Join(allowed, ", ")+"; see DESIGN.md, import rules)")
			}
		}
	}
	for pkg, imports := range graph {
		for _, imp := range imports {
			if imp == "cmd/loadgen" || strings.HasPrefix(imp, "cmd/") {
				out = append(out, "forbidden import "+pkg+" -> "+imp+": no package imports the CLI")
			}
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// goList runs `go list -json` with args and decodes its stream of objects.
func goList(t *testing.T, args ...string) []listed {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Imports,Deps"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listed
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	graph := map[string][]string{}
	for _, p := range goList(t, module+"...") {
		pkg := strings.TrimPrefix(p.ImportPath, module)
		graph[pkg] = nil
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, module) {
				graph[pkg] = append(graph[pkg], strings.TrimPrefix(imp, module))
			}
		}
	}
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages: %v", len(graph), graph)
	}
	for _, v := range violations(graph, rules()) {
		t.Error(v)
	}
}

// Reports and their renderers link no HTTP client and nothing of the
// attack: `go list -deps ./pkg/report/...` holds none of the heavy ones.
func TestReportsLinkNoAttackLibraries(t *testing.T) {
	for _, p := range goList(t, "-deps=false", module+"pkg/report/...") {
		deps := goList(t, "-deps", p.ImportPath)
		for _, d := range deps {
			for _, h := range heavyForReports() {
				if d.ImportPath == h || strings.HasPrefix(d.ImportPath, h+"/") {
					t.Errorf("%s links %s", p.ImportPath, d.ImportPath)
				}
			}
		}
	}
}

// The rule checker itself names a forbidden edge, so the test above can
// fail: here with the edges the issue calls out.
func TestViolationsNameTheEdge(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"pkg/report", "pkg/attack", "forbidden import pkg/report -> pkg/attack"},
		{"pkg/report", "pkg/runner", "forbidden import pkg/report -> pkg/runner"},
		{"pkg/report/html", "pkg/collect", "forbidden import pkg/report/html -> pkg/collect"},
		{"pkg/collect", "pkg/attack", "forbidden import pkg/collect -> pkg/attack"},
		{"pkg/attack", "pkg/runrecord", "forbidden import pkg/attack -> pkg/runrecord"},
		{"pkg/runner", "cmd/loadgen", "forbidden import pkg/runner -> cmd/loadgen"},
		{"pkg/newthing", "pkg/runrecord", "pkg/newthing: no import rule"},
	} {
		graph := map[string][]string{tc.from: {tc.to}}
		got := strings.Join(violations(graph, rules()), "\n")
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s -> %s: got %q, want it to contain %q", tc.from, tc.to, got, tc.want)
		}
	}
	if v := violations(map[string][]string{"pkg/runner": {"pkg/attack", "pkg/report"}}, rules()); len(v) != 0 {
		t.Errorf("allowed edges reported: %v", v)
	}
}
