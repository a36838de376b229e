package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestProfileSubstitutesEnv: ${NAME} reaches the target as the
// environment's value, in a URL, a header and the body file a profile (or
// one of its scenarios) names; a body file given on the command line
// instead is sent as it is written.
func TestProfileSubstitutesEnv(t *testing.T) {
	isolateHistory(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen["q="+r.URL.Query().Get("q")] = true
		seen["h="+r.Header.Get("X-K")] = true
		seen["b="+string(b)] = true
		mu.Unlock()
	}))
	defer srv.Close()
	t.Setenv("LG_T_Q", "query-value-1")
	t.Setenv("LG_T_H", "header-value-2")
	t.Setenv("LG_T_B", "body-value-3")
	dir := t.TempDir()
	for name, data := range map[string]string{
		"body.txt":    "b ${LG_T_B}",
		"plain.txt":   "b ${LG_T_B}",
		"single.yaml": "url: " + srv.URL + "/s?q=${LG_T_Q}\nheader: [\"X-K: ${LG_T_H}\"]\nmethod: POST\nbody: body.txt\nrate: 20\nduration: 300ms\n",
		"scenarios.yaml": "duration: 300ms\nheader: [\"X-K: ${LG_T_H}\"]\nscenarios:\n  - name: w\n    url: " + srv.URL +
			"/w?q=${LG_T_Q}\n    method: POST\n    body: body.txt\n    rate: 20\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, args := range [][]string{
		{"run", "-out", filepath.Join(dir, "r1"), filepath.Join(dir, "single.yaml")},
		{"run", "-out", filepath.Join(dir, "r2"), filepath.Join(dir, "scenarios.yaml")},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitOK {
			t.Fatalf("run %d: exit %d\n%s%s", i, code, out.String(), errb.String())
		}
	}
	mu.Lock()
	for _, want := range []string{"q=query-value-1", "h=header-value-2", "b=b body-value-3"} {
		if !seen[want] {
			t.Errorf("the target never saw %q (saw %v)", want, seen)
		}
	}
	clear(seen)
	mu.Unlock()
	var out, errb bytes.Buffer
	if code := run([]string{"run", "-out", filepath.Join(dir, "r3"), "-body", filepath.Join(dir, "plain.txt"), filepath.Join(dir, "single.yaml")}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen["b=b ${LG_T_B}"] || strings.Contains(errb.String(), "query-value-1") {
		t.Errorf("a command-line body is sent as written: saw %v", seen)
	}
}
