package collect

import (
	"bytes"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func snapshot(t *testing.T, name string) *profile.Profile {
	t.Helper()
	var buf bytes.Buffer
	if err := rpprof.Lookup(name).WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.ParseData(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func totals(p *profile.Profile) map[string]int64 {
	out := map[string]int64{}
	for _, s := range p.Sample {
		for i, v := range s.Value {
			out[p.SampleType[i].Type] += v
		}
	}
	return out
}

// The allocs delta subtracts allocations but keeps in-use memory as it is
// at the end (a plain Scale(-1) of the start would subtract that too).
func TestDeltaAllocsKeepsInUse(t *testing.T) {
	// Not parallel: it sets the process's MemProfileRate.
	// Record every allocation: at the default rate (one sample per 512 KiB)
	// the profile's estimate of 24 MiB in 1 MiB blocks is random, and fell
	// under 20 MiB now and then.
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	runtime.GC()
	start := snapshot(t, "allocs")
	kept := make([][]byte, 8)
	for i := range kept {
		kept[i] = make([]byte, 1<<20)
	}
	for range 16 {
		_ = bytes.Repeat([]byte{1}, 1<<20)
	}
	runtime.GC()
	runtime.GC()
	end := snapshot(t, "allocs")
	runtime.KeepAlive(kept)

	d, err := Delta(start, end)
	if err != nil {
		t.Fatal(err)
	}
	ts, te, td := totals(start), totals(end), totals(d)
	if td["inuse_space"] != te["inuse_space"] || td["inuse_objects"] != te["inuse_objects"] {
		t.Errorf("in-use changed by the delta: end %v, delta %v", te, td)
	}
	if td["alloc_space"] != te["alloc_space"]-ts["alloc_space"] {
		t.Errorf("alloc_space delta %d, want %d-%d", td["alloc_space"], te["alloc_space"], ts["alloc_space"])
	}
	if td["alloc_space"] < 20<<20 {
		t.Errorf("alloc_space delta %d, want at least the 24 MiB allocated", td["alloc_space"])
	}
	if d.DurationNanos <= 0 {
		t.Errorf("delta duration %d", d.DurationNanos)
	}
}

func TestDeltaMutex(t *testing.T) {
	t.Parallel()
	old := runtime.SetMutexProfileFraction(1)
	defer runtime.SetMutexProfileFraction(old)
	contend := func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					mu.Lock()
					time.Sleep(10 * time.Microsecond)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	contend()
	start := snapshot(t, "mutex")
	contend()
	end := snapshot(t, "mutex")
	d, err := Delta(start, end)
	if err != nil {
		t.Fatal(err)
	}
	ts, te, td := totals(start), totals(end), totals(d)
	if td["contentions"] != te["contentions"]-ts["contentions"] || td["contentions"] <= 0 {
		t.Errorf("contentions: start %d end %d delta %d", ts["contentions"], te["contentions"], td["contentions"])
	}
}

func TestWindowPlan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		planned, max time.Duration
		want         int
	}{
		{20 * time.Second, 10 * time.Second, 10},
		{25 * time.Second, 10 * time.Second, 9},
		{5 * time.Second, 10 * time.Second, 5},
		{500 * time.Millisecond, 10 * time.Second, 1},
		{0, 10 * time.Second, 10},
		{time.Minute, 500 * time.Millisecond, 1},
	} {
		if got := windowPlan(c.planned, c.max); got != c.want {
			t.Errorf("windowPlan(%s, %s) = %d, want %d", c.planned, c.max, got, c.want)
		}
	}
}

// A target whose write timeout is shorter than the window. Go's handler
// before 1.23 refuses such windows with a 400; since then it extends its
// deadline, but a server or proxy that does not still cuts the response.
// Either way the collector shortens its windows and says so.
//
// The target answers as pprof's handler does (it waits out the window,
// then writes the profile) with a real CPU profile recorded earlier (the
// golden collect-base record's), not this process's own: a process has
// one CPU profiler, so two cases profiling it would run one after the
// other, 3 s each.
func TestCPUWindowAdaptsToWriteTimeout(t *testing.T) {
	t.Parallel() // asserts no timing: write timeout 1.5 s against a 2 s window is a wide gap
	recorded, err := os.ReadFile(filepath.Join(goldenrecords.Dir("collect-base"), runrecord.ProfilesDir, "cpu-001.pb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	profileAfterWindow := func(w http.ResponseWriter, r *http.Request) {
		sec, _ := strconv.Atoi(r.FormValue("seconds"))
		select {
		case <-time.After(time.Duration(sec) * time.Second):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(recorded) // past the write timeout, the server cuts it
	}
	oldGo := func(w http.ResponseWriter, r *http.Request) {
		if sec, _ := strconv.Atoi(r.FormValue("seconds")); sec >= 2 {
			// Go 1.22's exact answer.
			http.Error(w, "profile duration exceeds server's WriteTimeout", http.StatusBadRequest)
			return
		}
		profileAfterWindow(w, r)
	}
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"refused", oldGo, "server WriteTimeout is at most 2s: CPU windows shortened to 1s"},
		{"cut", profileAfterWindow, "write timeout shorter than the window?: CPU windows shortened to 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", tc.handler)
			srv := newTestServerTimeout(mux, 1500*time.Millisecond)
			defer srv.Close()
			cfg := Config{PprofURL: srv.URL + "/debug/pprof", Interval: 500 * time.Millisecond, Baseline: -1, CPUWindow: 2 * time.Second}
			sum, dir := collectDuring(t, cfg, 3*time.Second, func() { time.Sleep(3 * time.Second) })
			if all := strings.Join(sum.Warnings, "\n"); !strings.Contains(all, tc.want) {
				t.Errorf("warnings %q do not say %q", sum.Warnings, tc.want)
			}
			// The windows after the adaptation (1 s) completed.
			readProfile(t, dir+"/profiles/cpu-001.pb.gz")
			readProfile(t, dir+"/profiles/cpu.pb.gz")
		})
	}
}

// A CPU window cut by the target (a write timeout) is not asked for again:
// net/http re-sends a GET that meets EOF on a reused keep-alive
// connection, which would cost another whole window each time and hide
// the cut the collector adapts to (TestCPUWindowAdaptsToWriteTimeout
// failed that way whenever the window went out on a warm connection).
func TestLongRequestIsNotResent(t *testing.T) {
	t.Parallel()
	var cuts atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/cut", func(w http.ResponseWriter, r *http.Request) {
		cuts.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // no response at all: the client reads EOF
		}
	})
	srv := startServer(t, mux)
	f := newFetcher(Config{Timeout: 5 * time.Second, MaxBytes: 1 << 20})
	for range 2 { // warm connections, were any kept
		if _, _, err := f.getLong(t.Context(), srv.URL+"/ok"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.get(t.Context(), srv.URL+"/ok", ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.getLong(t.Context(), srv.URL+"/cut"); err == nil {
		t.Fatal("a cut response read as a success")
	}
	if n := cuts.Load(); n != 1 {
		t.Errorf("the cut window was asked for %d times, want once", n)
	}
}
