package demotarget

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	runtimepprof "runtime/pprof"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	srv, err := Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.URL == srv.AdminURL {
		t.Fatal("admin endpoints should be on their own port")
	}
	for _, c := range []struct {
		url, want string
		code      int
	}{
		{srv.URL + "/fib?n=20", "fib(20) = 6765", 200},
		{srv.URL + "/fib?n=41", "n must be an integer in 0..40", 400},
		{srv.URL + "/fib?n=x", "n must be", 400},
		{srv.URL + "/hello", "hello", 200},
		{srv.URL + "/work?c=2&ms=1", "worked 1ms on one of 2 slots", 200},
		{srv.URL + "/stall?every=1&ms=1", "stalled 1ms", 200},
		{srv.URL + "/stall?every=0", "every must be", 400},
		{srv.URL + "/nope", "404", 404},
		// Admin endpoints live only on the admin port.
		{srv.URL + "/debug/pprof/", "404", 404},
		{srv.AdminURL + "/debug/pprof/", "goroutine", 200},
		{srv.AdminURL + "/debug/vars", `"memstats"`, 200},
		{srv.AdminURL + "/metrics", `demo_requests_total{endpoint="fib"} 3`, 200},
		{srv.AdminURL + "/metrics", "process_cpu_seconds_total", 200},
	} {
		code, body := get(t, c.url)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %.80q, want %d containing %q", c.url, code, body, c.code, c.want)
		}
	}
}

func TestFib(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 1, 2: 1, 10: 55, 25: 75025} {
		if got := Fib(n); got != want {
			t.Errorf("Fib(%d) = %d, want %d", n, got, want)
		}
	}
}

// The target joins the caller's trace: a request with a traceparent gets a
// server span in the spans file with that trace id and the caller's span
// as parent; /stall holds exactly every Nth request and marks its span.
func TestTraceContextAndStall(t *testing.T) {
	spans := filepath.Join(t.TempDir(), "spans.jsonl")
	srv, err := StartConfig(Config{Addr: "127.0.0.1:0", Spans: spans})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const trace = "4bf92f3577b34da6a3ce929d0e0e47%02x"
	for i := 1; i <= 6; i++ {
		req, _ := http.NewRequest("GET", srv.URL+"/stall?every=3&ms=20", nil)
		flags := "01"
		if i == 5 {
			flags = "00" // not sampled: no span
		}
		req.Header.Set("traceparent", fmt.Sprintf("00-"+trace+"-00f067aa0ba902b7-%s", i, flags))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := map[bool]string{true: "stalled 20ms\n", false: "ok\n"}[i%3 == 0]; string(b) != want {
			t.Errorf("request %d: %q, want %q", i, b, want)
		}
	}
	if err := srv.FlushSpans(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSpans(spans)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d spans, want 5 (the unsampled request has none): %+v", len(got), got)
	}
	for _, s := range got {
		var i int
		fmt.Sscanf(s.TraceID[30:], "%02x", &i)
		if s.TraceID != fmt.Sprintf(trace, i) || s.ParentSpanID != "00f067aa0ba902b7" || s.Name != "GET /stall" || !s.Sampled {
			t.Errorf("span %+v", s)
		}
		if s.Stalled != (i%3 == 0) || (s.Stalled && s.Duration() < 20*time.Millisecond) {
			t.Errorf("request %d: stalled %v, span %s", i, s.Stalled, s.Duration())
		}
	}
}

// TestCPUProfileWaitsForTheProfiler: a CPU profile asked for while the
// process's one CPU profiler is in use (here by the test itself; in the
// tests of other packages, by another demo target) waits for it and
// succeeds, instead of answering 500.
func TestCPUProfileWaitsForTheProfiler(t *testing.T) {
	srv, err := Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := runtimepprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatalf("the test could not take the CPU profiler: %v", err)
	}
	type answer struct {
		code int
		body string
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(srv.AdminURL + "/debug/pprof/profile?seconds=1")
		if err != nil {
			got <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, string(b)}
	}()
	// The request waits for as long as the profiler is held; its first try
	// comes while it is (or, on a slow machine, later: then it just works).
	time.Sleep(200 * time.Millisecond)
	runtimepprof.StopCPUProfile()
	a := <-got
	if a.code != http.StatusOK || !strings.HasPrefix(a.body, "\x1f\x8b") {
		t.Fatalf("CPU profile: %d %.80q; want 200 and a gzipped profile", a.code, a.body)
	}
}
