package collect

import (
	"net/http"
	"testing"
)

const goMetrics = `# HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.1e-05
go_gc_duration_seconds{quantile="1"} 0.000301
go_gc_duration_seconds_sum 0.0012
go_gc_duration_seconds_count 7
# TYPE go_goroutines gauge
go_goroutines 18
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 4.415488e+06
# TYPE go_threads gauge
go_threads 9
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE process_open_fds gauge
process_open_fds 18
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.9505152e+07
`

func TestReadingFromGoMetrics(t *testing.T) {
	t.Parallel()
	fams, err := ParseMetrics([]byte(goMetrics), http.Header{"Content-Type": {"text/plain; version=0.0.4; charset=utf-8"}})
	if err != nil {
		t.Fatal(err)
	}
	r := ReadingFromMetrics(fams)
	for name, got := range map[string]*float64{
		"cpu": r.CPUSeconds, "rss": r.RSSBytes, "goroutines": r.Goroutines, "heap": r.HeapInUse,
		"threads": r.Threads, "fds": r.OpenFDs, "gc count": r.GCCount, "gc sum": r.GCPauseSum,
	} {
		if got == nil {
			t.Errorf("%s: missing", name)
		}
	}
	if *r.CPUSeconds != 12.5 || *r.RSSBytes != 19505152 || *r.GCCount != 7 || *r.GCPauseSum != 0.0012 {
		t.Errorf("reading %+v", r)
	}
}

// A non-Go service (here in OpenMetrics, as Python's client can serve it)
// with only the standard process metrics still gives CPU and RSS.
func TestReadingFromOpenMetricsProcessOnly(t *testing.T) {
	t.Parallel()
	body := "# TYPE process_cpu_seconds counter\n# HELP process_cpu_seconds Total user and system CPU time spent in seconds.\nprocess_cpu_seconds_total 3.25\n" +
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 2.5e+07\n# EOF\n"
	fams, err := ParseMetrics([]byte(body), http.Header{"Content-Type": {"application/openmetrics-text; version=1.0.0; charset=utf-8"}})
	if err != nil {
		t.Fatal(err)
	}
	r := ReadingFromMetrics(fams)
	if r.CPUSeconds == nil || *r.CPUSeconds != 3.25 || r.RSSBytes == nil || *r.RSSBytes != 2.5e7 {
		t.Fatalf("reading %+v", r)
	}
	if r.GCCount != nil || r.Goroutines != nil {
		t.Errorf("Go figures from a non-Go service: %+v", r)
	}
}

func TestReadingFromPauseHistogram(t *testing.T) {
	t.Parallel()
	body := "# TYPE go_sched_pauses_total_gc_seconds histogram\n" +
		"go_sched_pauses_total_gc_seconds_bucket{le=\"1e-05\"} 2\n" +
		"go_sched_pauses_total_gc_seconds_bucket{le=\"0.0001\"} 5\n" +
		"go_sched_pauses_total_gc_seconds_bucket{le=\"+Inf\"} 6\n" +
		"go_sched_pauses_total_gc_seconds_sum 0.002\ngo_sched_pauses_total_gc_seconds_count 6\n"
	fams, err := ParseMetrics([]byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := ReadingFromMetrics(fams)
	if r.GCPauseHist == nil || r.GCCount == nil || *r.GCCount != 6 {
		t.Fatalf("reading %+v", r)
	}
	prev := Reading{GCCount: f64(2), GCPauseHist: &Histogram{Bounds: r.GCPauseHist.Bounds, Counts: []float64{2, 2, 2}}}
	n, pauses, exact := gcDelta(prev, r)
	if *n != 4 || len(pauses) != 4 || exact {
		t.Fatalf("delta: n=%v pauses=%v exact=%v", *n, pauses, exact)
	}
}

func TestParseMetricsRejectsGarbage(t *testing.T) {
	t.Parallel()
	if _, err := ParseMetrics([]byte("<html>not metrics{{{\n"), nil); err == nil {
		t.Fatal("garbage parsed")
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte(goMetrics), "text/plain; version=0.0.4")
	f.Add([]byte("# TYPE a counter\na_total 1\n# EOF\n"), "application/openmetrics-text; version=1.0.0")
	f.Add([]byte("x{le=\"+Inf\"} NaN\n"), "")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		fams, err := ParseMetrics(body, http.Header{"Content-Type": {ctype}})
		if err != nil {
			return
		}
		r := ReadingFromMetrics(fams)
		if r.GCPauseHist != nil && len(r.GCPauseHist.Bounds) != len(r.GCPauseHist.Counts) {
			t.Fatalf("histogram shape %+v", r.GCPauseHist)
		}
		gcDelta(r, r)
	})
}
