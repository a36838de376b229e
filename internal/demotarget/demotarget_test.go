package demotarget

import (
	"io"
	"net/http"
	"strings"
	"testing"
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
