package flame_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// The run's CPU profile is served as pprof's web UI on loopback; its flame
// graph and top pages show the demo target's hot function.
func TestServeFlame(t *testing.T) {
	dir := goldenrecords.Dir("collect-new") // profiled while serving /fib?n=30
	p, err := report.LoadProfile("cpu", dir)
	if err != nil || p == nil {
		t.Fatalf("load CPU profile: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- flame.Serve(ctx, ln, p, nil) }()
	base := "http://" + ln.Addr().String()
	for path, want := range map[string]string{
		"/flamegraph": "stackViewer(",
		"/top":        "demotarget.Fib",
		"/":           "stackViewer(", // redirects to the flame graph
	} {
		body := get(t, base+path)
		if !strings.Contains(body, want) {
			t.Errorf("GET %s: no %q in %d bytes", path, want, len(body))
		}
		if path == "/flamegraph" && !strings.Contains(body, "demotarget.Fib") {
			t.Errorf("flame graph does not name the hot function")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ServeFlame did not stop")
	}
	if _, err := report.LoadProfile("goroutine", dir); err != nil {
		t.Errorf("a missing profile is not an error: %v", err)
	}
	if _, err := report.LoadProfile("nope", dir); err == nil {
		t.Error("unknown profile type accepted")
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b)
}
