package collect

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Hostile collector endpoints: each is read within its caps, with memory
// that does not grow with what the endpoint sends, and ends as one warning
// that says what was cut. Timing belongs to the bench harness
// (go run ./bench -hostile); these assert caps, warnings and allocations.

// allocated is how many bytes f allocates (the whole process: keep the
// servers' own allocations out of f).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func fetcherFor(cfg Config) *fetcher { return newFetcher(cfg.withDefaults()) }

// seriesText writes n series of a metric loadgen does not use, then the
// process metrics it does.
func seriesText(w io.Writer, n int) {
	line := []byte(`http_requests_total{path="/a/b/c",code="200",instance="i-0123456789"} 12345` + "\n")
	for range n {
		if _, err := w.Write(line); err != nil {
			return
		}
	}
	io.WriteString(w, "process_cpu_seconds_total 12.5\nprocess_resident_memory_bytes 1.9505152e+07\n")
}

// TestMillionSeries: a million series stream through with flat memory;
// under the series cap the figures at the end are found, over it the
// scrape is cut.
func TestMillionSeries(t *testing.T) {
	const n = 1_000_000
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { seriesText(w, n) }))
	t.Run("under the cap", func(t *testing.T) {
		s := newPromSource(srv.URL, fetcherFor(Config{MaxBytes: 128 << 20}), 2*n)
		var r Reading
		var err error
		if a := allocated(func() { err = s.Sample(context.Background(), &r) }); a > 16<<20 {
			t.Errorf("allocated %d MiB for a million series", a>>20)
		}
		if err != nil || r.CPUSeconds == nil || *r.CPUSeconds != 12.5 {
			t.Fatalf("reading %+v, %v", r, err)
		}
	})
	t.Run("over the cap", func(t *testing.T) {
		s := newPromSource(srv.URL, fetcherFor(Config{}), DefaultMaxSeries)
		var r Reading
		err := s.Sample(context.Background(), &r)
		var ce *cutError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "too many series: more than 200000") {
			t.Fatalf("error %v, want a cut at the series cap", err)
		}
	})
}

// TestEndlessMetrics: an endpoint that never stops is read up to the byte
// cap once, then left alone for the rest of the run: one warning line.
func TestEndlessMetrics(t *testing.T) {
	var requests atomic.Int32
	chunk := []byte(strings.Repeat("# and on and on\n", 4096))
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	cfg := Config{MetricsURL: srv.URL, MaxBytes: 16 << 20, Interval: 100 * time.Millisecond, Baseline: -1}
	var sum *runrecord.TargetSummary
	// A million comment lines stream past without an allocation each.
	if a := allocated(func() {
		sum, _ = collectDuring(t, cfg, time.Second, func() { time.Sleep(700 * time.Millisecond) })
	}); a > 4<<20 {
		t.Errorf("allocated %d MiB reading 16 MiB of an endless body", a>>20)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests to the endless endpoint, want 1", n)
	}
	if len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "response too large: more than 16 MiB") ||
		!strings.Contains(sum.Warnings[0], "stopped reading it") {
		t.Errorf("warnings %q, want one saying what was cut", sum.Warnings)
	}
}

// TestHugeExpvar: 32 MiB of other variables around memstats (the bench
// harness serves 100 MB). Before it, they stream past in fixed memory;
// after it, they are never read.
func TestHugeExpvar(t *testing.T) {
	const junk = 32 << 20
	memstats := `"memstats": {"HeapInuse": 5, "NumGC": 3, "PauseNs": [1, 2, 3]}`
	var sent atomic.Int64
	big := func(w io.Writer) {
		io.WriteString(w, `"big": {"s": "`)
		chunk := []byte(strings.Repeat(`x\"{[`, 1<<14))
		for i := 0; i < junk/len(chunk); i++ {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		io.WriteString(w, `", "n": [1, {"a": "}"}]}`)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/before", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "{")
		big(w)
		io.WriteString(w, ", "+memstats+"}")
	})
	mux.HandleFunc("/after", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "{"+memstats+", ")
		big(w)
		io.WriteString(w, "}")
	})
	srv := startServer(t, mux)
	f := fetcherFor(Config{MaxBytes: 64 << 20})
	for _, path := range []string{"/before", "/after"} {
		t.Run(path, func(t *testing.T) {
			sent.Store(0)
			s := newExpvarSource(srv.URL+path, f)
			var r Reading
			var err error
			if a := allocated(func() { err = s.Sample(context.Background(), &r) }); a > 4<<20 {
				t.Errorf("allocated %d MiB for a 32 MiB document", a>>20)
			}
			if err != nil || r.GCCount == nil || *r.GCCount != 3 || len(r.GCPauses) != 3 {
				t.Fatalf("reading %+v, %v", r, err)
			}
			if path == "/after" && sent.Load() > 8<<20 {
				t.Errorf("the server sent %d MiB after memstats: the rest was read", sent.Load()>>20)
			}
		})
	}
	t.Run("over the cap", func(t *testing.T) {
		s := newExpvarSource(srv.URL+"/before", fetcherFor(Config{MaxBytes: 4 << 20}))
		var r Reading
		err := s.Sample(context.Background(), &r)
		var ce *cutError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "more than 4 MiB") {
			t.Fatalf("error %v, want a cut at the byte cap", err)
		}
	})
}

// bomb is 16 MiB of zeros gzipped (16 KiB), a gzip bomb's shape; the
// lying one has a second, one-byte gzip member, so that its trailer no
// longer tells the real size.
var bomb = sync.OnceValues(func() (truthful, lying []byte) {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 16<<20))
	zw.Close()
	truthful = bytes.Clone(b.Bytes())
	zw = gzip.NewWriter(&b)
	zw.Write([]byte{0})
	zw.Close()
	return truthful, b.Bytes()
})

// TestGzipBombProfile: a small download that inflates far past the cap
// is refused before (trailer) or while (a lying trailer) inflating, with
// memory bounded by the cap, not by what it would inflate to.
func TestGzipBombProfile(t *testing.T) {
	const limit = 1 << 20
	truthful, lying := bomb()
	for name, b := range map[string][]byte{"truthful trailer": truthful, "lying trailer": lying} {
		t.Run(name, func(t *testing.T) {
			var err error
			if a := allocated(func() { _, err = parseProfile(b, limit) }); a > 3*limit {
				t.Errorf("allocated %d KiB inflating a %d KiB bomb", a>>10, len(b)>>10)
			}
			if !errors.Is(err, errTooLarge) || !strings.Contains(err.Error(), "1 MiB cap") {
				t.Fatalf("error %v, want over the cap", err)
			}
		})
	}
	t.Run("collector", func(t *testing.T) {
		srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(truthful) }))
		cfg := Config{PprofURL: srv.URL + "/debug/pprof", MaxBytes: limit, Interval: 100 * time.Millisecond, Baseline: -1}
		sum, _ := collectDuring(t, cfg, time.Second, func() { time.Sleep(300 * time.Millisecond) })
		all := strings.Join(sum.Warnings, "\n")
		if !strings.Contains(all, "goroutine profile: response too large: inflates to 16 MiB, over the 1 MiB cap") {
			t.Errorf("warnings %q do not say what was cut", sum.Warnings)
		}
	})
}
