package collect

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// load sends GETs to url at about rate per second for d, from its own
// client, and returns how many succeeded.
func load(t *testing.T, url string, rate int, d time.Duration) int {
	t.Helper()
	cl := &http.Client{Timeout: 10 * time.Second}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for time.Now().Before(end) {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := cl.Get(url)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ok
}

// collectDuring runs the collector around work, as the runner does.
func collectDuring(t *testing.T, cfg Config, planned time.Duration, work func()) (*runrecord.TargetSummary, string) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	c.Start(ctx, dir)
	c.WaitBaseline(ctx)
	c.Begin(planned)
	work()
	sum, err := c.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sum, dir
}

// The Go side: the built-in target with pprof, expvar and Prometheus on a
// separate admin port, under a CPU-bound load.
func TestGoTargetSeparateAdmin(t *testing.T) {
	srv, err := demotarget.Start("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if srv.AdminURL == srv.URL {
		t.Fatal("admin on the application port")
	}
	cfg := Config{
		PprofURL:   srv.AdminURL + "/debug/pprof/",
		MetricsURL: srv.AdminURL + "/metrics",
		ExpvarURL:  srv.AdminURL + "/debug/vars",
		Interval:   500 * time.Millisecond,
		Baseline:   500 * time.Millisecond,
		Header:     http.Header{"X-Collector-Token": {"s3cret"}},
	}
	sum, dir := collectDuring(t, cfg, 2*time.Second, func() {
		if n := load(t, srv.URL+"/fib?n=27", 60, 2*time.Second); n == 0 {
			t.Error("load: no request succeeded")
		}
	})
	t.Logf("summary %+v", *sum)
	if sum.CPUPercent.Mean <= 0 || sum.CPUPercent.Max < sum.CPUPercent.Mean {
		t.Errorf("cpu %+v", sum.CPUPercent)
	}
	if sum.RSSBytes.Mean <= 0 || sum.Goroutines.Max <= 0 || sum.Baseline == nil || sum.Baseline.RSSBytes <= 0 {
		t.Errorf("rss %+v goroutines %+v baseline %+v", sum.RSSBytes, sum.Goroutines, sum.Baseline)
	}
	if sum.Extra == nil || sum.Extra.HeapInUseBytes.Max <= 0 {
		t.Errorf("extra %+v", sum.Extra)
	}
	if len(sum.Sources) != 3 {
		t.Errorf("sources %q", sum.Sources)
	}
	// Profiling that Go ships switched off is information, not a warning.
	for _, w := range sum.Warnings {
		// A busy machine makes sources slower than the interval: said,
		// and not a failure.
		if !strings.Contains(w, "slower than the 500ms interval") {
			t.Errorf("unexpected warning %q", w)
		}
	}
	if !slices.Equal(sum.ProfilingOff, []string{"mutex", "block"}) && !slices.Equal(sum.ProfilingOff, []string{"block", "mutex"}) {
		t.Errorf("profiling off: %q, want mutex and block", sum.ProfilingOff)
	}

	rows, err := runrecord.ReadTargetSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	// How many clock readings a source manages depends on how busy the
	// machine is (a busy source skips ticks); the readings at Start, Begin
	// and Stop are always taken, and the rows' order and labels never
	// depend on load (clock_test.go checks them exactly on a fake clock).
	var base, attack, aligned int
	for i, r := range rows {
		if r.TimeMs%500 == 0 { // on the latency intervals' grid
			aligned++
		}
		if i > 0 && r.TimeMs <= rows[i-1].TimeMs {
			t.Errorf("rows out of order at %d", i)
		}
		if r.Baseline {
			base++
			if attack > 0 {
				t.Errorf("baseline row after attack rows")
			}
		} else {
			attack++
		}
	}
	if base < 2 || attack < 1 || aligned < len(rows)-3 {
		t.Errorf("%d baseline rows, %d attack rows, %d of %d on the 500ms grid", base, attack, aligned, len(rows))
	}

	// The merged CPU profile covers the attack and finds Fib.
	cpu := readProfile(t, filepath.Join(dir, "profiles", runrecord.ProfileCPU))
	if d := time.Duration(cpu.DurationNanos); d < 1500*time.Millisecond {
		t.Errorf("cpu profile covers %s", d)
	}
	// Fib is the target's hot path, so the merged profile must have caught
	// it. How large its share is depends on what else the box runs (this
	// process also generates the load, and -race or a busy neighbour takes
	// most samples): only its presence is asserted.
	share := cumShare(cpu, "demotarget.Fib")
	t.Logf("demotarget.Fib in %.0f%% of CPU samples", share*100)
	if share == 0 {
		t.Errorf("demotarget.Fib in no CPU sample of the merged profile")
	}
	for _, name := range []string{"cpu-001.pb.gz", runrecord.ProfileHeap, runrecord.ProfileAllocs, runrecord.ProfileGoroutine} {
		readProfile(t, filepath.Join(dir, "profiles", name))
	}
}

func readProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// cumShare is the share of samples (first value) with fn on the stack.
func cumShare(p *profile.Profile, fn string) float64 {
	var in, total int64
	for _, s := range p.Sample {
		total += s.Value[0]
	stack:
		for _, l := range s.Location {
			for _, ln := range l.Line {
				if strings.HasSuffix(ln.Function.Name, fn) {
					in += s.Value[0]
					break stack
				}
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(in) / float64(total)
}

// Endpoints that are down, slow, return garbage or something enormous each
// become a clear warning, and collection still finishes promptly.
func TestFailingEndpoints(t *testing.T) {
	t.Parallel() // no CPU profile of this process: may overlap the others
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/garbage/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("\x00\x01<html>{{not metrics at all\n"))
	})
	mux.HandleFunc("/enormous/", func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("go_goroutines 1\n", 4096))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	srv := startServer(t, mux)
	down := startServer(t, mux)
	down.Close()

	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"down", Config{MetricsURL: down.URL + "/metrics"}, "all "},
		// Only the slow case waits for its timeout; the others get a
		// generous one, so that a busy machine cannot turn their failure
		// into a timeout.
		{"slow", Config{ExpvarURL: srv.URL + "/slow", Timeout: 300 * time.Millisecond}, "no answer within 300ms"},
		{"garbage", Config{MetricsURL: srv.URL + "/garbage/metrics"}, "no known metric"},
		{"garbage pprof", Config{PprofURL: srv.URL + "/garbage"}, "not a pprof profile"},
		{"enormous", Config{MetricsURL: srv.URL + "/enormous/metrics", MaxBytes: 1 << 20}, "response too large: more than 1 MiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Interval = 200 * time.Millisecond
			tc.cfg.Baseline = -1
			// A slow or dead endpoint must not hold Stop up: every wait
			// is bounded by the timeout. (The bound is loose: a busy
			// machine must not fail it.)
			t0 := time.Now()
			sum, _ := collectDuring(t, tc.cfg, 500*time.Millisecond, func() { time.Sleep(500 * time.Millisecond) })
			if took := time.Since(t0); took > 8*time.Second {
				t.Errorf("collection took %s", took)
			}
			all := strings.Join(sum.Warnings, "\n")
			if !strings.Contains(all, tc.want) {
				t.Errorf("warnings %q do not mention %q", sum.Warnings, tc.want)
			}
			if sum.CPUPercent.Mean != 0 || sum.RSSBytes.Max != 0 {
				t.Errorf("figures from a failing source: %+v", sum)
			}
		})
	}
}

func startServer(t *testing.T, h http.Handler) *testServer {
	t.Helper()
	s := newTestServer(h)
	t.Cleanup(s.Close)
	return s
}

// Collector headers reach the target; the recorded config has no values.
func TestHeadersSentNotRecorded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, "process_cpu_seconds_total 1\nprocess_resident_memory_bytes 100\n")
	})
	srv := startServer(t, mux)
	cfg := Config{MetricsURL: "http://user:pw@" + strings.TrimPrefix(srv.URL, "http://") + "/metrics?token=abc",
		Header: http.Header{"Authorization": {"Bearer s3cret"}}, Interval: 200 * time.Millisecond, Baseline: -1}
	collectDuring(t, cfg, 0, func() { time.Sleep(500 * time.Millisecond) })
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0] != "Bearer s3cret" {
		t.Errorf("Authorization seen by the target: %q", got)
	}
	rec := fmt.Sprintf("%+v", cfg.Record())
	for _, secret := range []string{"s3cret", "pw@", "abc"} {
		if strings.Contains(rec, secret) {
			t.Errorf("recorded config %s contains %q", rec, secret)
		}
	}
	if !strings.Contains(rec, "Authorization") {
		t.Errorf("recorded config %s does not name the header", rec)
	}
}
