package livemetrics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/livemetrics"
	"github.com/loadgen/loadgen/pkg/runner"
)

// prometheusServer is a real Prometheus (Debian's package) on loopback,
// scraping target every quarter second, with native histograms and exemplar
// storage on (Prometheus 2.40 and later).
type prometheusServer struct {
	api  string
	cmd  *exec.Cmd
	logs *os.File
}

func startPrometheus(t *testing.T, target string) *prometheusServer {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("no prometheus binary: install Debian's prometheus package (apt-get install prometheus) to run the integration test against a real Prometheus server")
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 250ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: loadgen
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	logs, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--enable-feature=native-histograms,exemplar-storage",
	)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &prometheusServer{api: "http://" + addr, cmd: cmd, logs: logs}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	})
	p.waitFor(t, "Prometheus ready", func() bool {
		resp, err := http.Get(p.api + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return p
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (p *prometheusServer) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not within 60s", what)
}

// sample is one instant-vector element of a query result: a float, or a
// native histogram with its buckets.
type sample struct {
	Metric    map[string]string `json:"metric"`
	Value     []any             `json:"value"`
	Histogram []json.RawMessage `json:"histogram"`
}

func (s sample) float() float64 {
	if len(s.Value) != 2 {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
	return f
}

// nativeBuckets are the [lower, upper] bounds of a native histogram sample.
func (s sample) nativeBuckets(t *testing.T) [][2]float64 {
	t.Helper()
	if len(s.Histogram) != 2 {
		return nil
	}
	var h struct {
		Buckets [][]any `json:"buckets"`
	}
	if err := json.Unmarshal(s.Histogram[1], &h); err != nil {
		t.Fatal(err)
	}
	var out [][2]float64
	for _, b := range h.Buckets {
		lo, _ := strconv.ParseFloat(fmt.Sprint(b[1]), 64)
		hi, _ := strconv.ParseFloat(fmt.Sprint(b[2]), 64)
		out = append(out, [2]float64{lo, hi})
	}
	return out
}

func (p *prometheusServer) query(t *testing.T, q string) []sample {
	t.Helper()
	resp, err := http.Get(p.api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []sample `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if r.Status != "success" {
		t.Fatalf("query %s: %s", q, r.Error)
	}
	return r.Data.Result
}

var traceIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// exemplarTraceIDs are the trace ids of the exemplars Prometheus stored
// for a metric over the last few minutes.
func (p *prometheusServer) exemplarTraceIDs(t *testing.T, metric string) []string {
	t.Helper()
	now := time.Now()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/query_exemplars?query=%s&start=%d&end=%d",
		p.api, url.QueryEscape(metric), now.Add(-5*time.Minute).Unix(), now.Add(time.Minute).Unix()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data []struct {
			Exemplars []struct {
				Labels map[string]string `json:"labels"`
			} `json:"exemplars"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range r.Data {
		for _, e := range s.Exemplars {
			ids = append(ids, e.Labels["trace_id"])
		}
	}
	return ids
}

// A real Prometheus scraping -listen-metrics during an attack agrees with
// the run record: the same request count, and histogram_quantile over the
// native histogram lands within one bucket's width of the record's p99.
func TestPrometheusScrapesAnAttack(t *testing.T) {
	live, err := livemetrics.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tgts, err := attack.TargetsFromURLs([]string{srv.URL + "/stall?every=20&ms=20"}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := attack.ParseRate("200")
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimSuffix(strings.TrimPrefix(live.URL(), "http://"), livemetrics.Path)
	// Most of this test's time is Prometheus 2.x's own: its first scrape
	// comes about 5 s after it starts (service discovery sends its first
	// targets on a fixed 5 s tick; prometheus/prometheus#18187 removes
	// that wait in later versions). The attack starts after that first
	// scrape, so that Prometheus scrapes it while it runs (every 250 ms,
	// about four times in its second).
	prom := startPrometheus(t, target)
	prom.waitFor(t, "first scrape", func() bool {
		r := prom.query(t, `up{job="loadgen"}`)
		return len(r) == 1 && r[0].float() == 1
	})

	opts := attack.DefaultOptions()
	opts.Duration, opts.Timeout, opts.Trace = time.Second, 10*time.Second, true
	run, err := runner.Execute(context.Background(), runner.Plan{Name: "prom", Targets: tgts, Schedule: sched,
		Options: opts, Out: filepath.Join(t.TempDir(), "run"), LiveMetrics: live})
	if err != nil {
		t.Fatal(err)
	}
	select { // a scrape that began after the run has the final figures
	case <-live.NextScrape():
	case <-time.After(30 * time.Second):
		t.Fatal("no scrape after the run")
	}
	want := float64(run.Summary.Requests)
	var got float64
	prom.waitFor(t, "the final request count in Prometheus", func() bool {
		r := prom.query(t, `sum(loadgen_requests_total{job="loadgen"})`)
		if len(r) == 1 {
			got = r[0].float()
		}
		return got == want
	})

	// p99 over the whole run: the native histogram at its last scrape
	// holds every observation since the attack started.
	r := prom.query(t, `histogram_quantile(0.99, loadgen_request_latency_seconds{job="loadgen"})`)
	if len(r) != 1 {
		t.Fatalf("histogram_quantile: %d results (is the histogram native?)", len(r))
	}
	est := r[0].float()
	hdr := run.Summary.Latency.P99.Seconds()
	raw := prom.query(t, `loadgen_request_latency_seconds{job="loadgen"}`)
	if len(raw) != 1 || len(raw[0].nativeBuckets(t)) == 0 {
		t.Fatalf("no native histogram in Prometheus: %+v", raw)
	}
	// The stated resolution: the width of the native bucket holding the
	// record's p99 (its growth factor is 2^(2^-schema), 1.09 at schema 3),
	// plus the HdrHistogram's own 0.1 %.
	var bucket [2]float64
	for _, b := range raw[0].nativeBuckets(t) {
		if hdr > b[0] && hdr <= b[1]*1.001 {
			bucket = b
		}
	}
	if bucket[1] == 0 {
		t.Fatalf("record p99 %gs in no native bucket of %v", hdr, raw[0].nativeBuckets(t))
	}
	width := bucket[1] - bucket[0]
	if f := bucket[1] / bucket[0]; f > livemetrics.BucketFactor {
		t.Errorf("native bucket [%g, %g] is %.3fx wide, want at most %g", bucket[0], bucket[1], f, livemetrics.BucketFactor)
	}
	if math.Abs(est-hdr) > width+0.001*hdr {
		t.Errorf("histogram_quantile(0.99) = %gs, run record p99 %gs: apart by more than the bucket [%g, %g]", est, hdr, bucket[0], bucket[1])
	}
	// Latency observations carried trace ids as exemplars.
	if ids := prom.exemplarTraceIDs(t, "loadgen_request_latency_seconds"); len(ids) == 0 {
		t.Error("Prometheus stored no exemplar with a trace id for loadgen_request_latency_seconds")
	} else {
		for _, id := range ids {
			if !traceIDRE.MatchString(id) {
				t.Errorf("exemplar trace_id %q", id)
			}
		}
	}
	checkDashboard(t, prom)
	t.Logf("requests %v = %v; p99 Prometheus %.6fs, record %.6fs, bucket [%.6f, %.6f]", got, want, est, hdr, bucket[0], bucket[1])
}

// checkDashboard runs every query of the shipped Grafana dashboard on the
// real server, after the attack: each must be valid PromQL, and each must
// find data, except those that need errors (the run had none) or classic
// buckets (a server with native histograms keeps only those).
func checkDashboard(t *testing.T, prom *prometheusServer) {
	t.Helper()
	b, err := os.ReadFile("../../deploy/grafana/loadgen.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("deploy/grafana/loadgen.json: %v", err)
	}
	vars := strings.NewReplacer("$job", "loadgen", "$instance", ".*", "$__rate_interval", "1m")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			n++
			q := vars.Replace(tg.Expr)
			r := prom.query(t, q)
			if len(r) == 0 && !strings.Contains(q, "errors") && !strings.Contains(q, "_bucket") {
				t.Errorf("dashboard panel %q: %s finds no data", p.Title, tg.Expr)
			}
		}
	}
	if n < 15 {
		t.Errorf("dashboard has only %d queries", n)
	}
}

// The shipped scrape configuration is one Prometheus accepts.
func TestShippedScrapeConfig(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("no promtool: install Debian's prometheus package (apt-get install prometheus) to check deploy/prometheus/prometheus.yml")
	}
	out, err := exec.Command(promtool, "check", "config", "../../deploy/prometheus/prometheus.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
}
