package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/internal/hostile"
)

// hostileCase is one hostile behaviour: the attack is run with it (on) and
// without it (off), alternately, and the two compared.
type hostileCase struct {
	class string
	// args of `loadgen attack` with the behaviour off and on; the harness
	// adds -out and -rate/-duration.
	off, on []string
	rate    int
}

// hostileRun is what one attack gave.
type hostileRun struct {
	requests  uint64
	success   float64
	p99       time.Duration
	rss       uint64
	retries   uint64
	warnings  int
	errors    int
	wallClock time.Duration
}

// hostileBench measures, per hostile class, the attack's request count and
// p99 and the generator's peak RSS with and without the hostile behaviour:
// collector endpoints beside an attack on nginx, and hostile targets
// against both clients.
func hostileBench(c config, nginxURL string) error {
	admin, err := demotarget.Start("127.0.0.1:0", "127.0.0.1:0") // well-behaved pprof, metrics, expvar
	if err != nil {
		return err
	}
	defer admin.Close()
	fmt.Fprintln(os.Stderr, "building hostile payloads (1M series, 100 MB expvar, 1 GiB gzip bomb)...")
	mux := http.NewServeMux()
	mux.Handle("/endless/metrics", hostile.EndlessMetrics())
	mux.Handle("/million/metrics", hostile.ManySeries(1_000_000))
	mux.Handle("/huge/debug/vars", hostile.HugeExpvar(100_000_000))
	mux.Handle("/bomb/debug/pprof/", hostile.GzipBomb(1<<30))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	defer hs.Close()
	bad := "http://" + ln.Addr().String()
	ok := admin.AdminURL

	collector := func(args ...string) []string {
		return append([]string{"-url", nginxURL, "-collect-interval", "1s", "-collect-baseline", "0"}, args...)
	}
	cases := []hostileCase{
		{class: "collector: endless /metrics", rate: c.hostileRate,
			off: collector("-metrics", ok+"/metrics"), on: collector("-metrics", bad+"/endless/metrics")},
		{class: "collector: 1,000,000-series /metrics (cut at -collect-max-series)", rate: c.hostileRate,
			off: collector("-metrics", ok+"/metrics"), on: collector("-metrics", bad+"/million/metrics")},
		{class: "collector: 1,000,000-series /metrics, read every second", rate: c.hostileRate,
			off: collector("-metrics", ok+"/metrics", "-collect-max-series", "2000000", "-collect-max-bytes", "268435456"),
			on:  collector("-metrics", bad+"/million/metrics", "-collect-max-series", "2000000", "-collect-max-bytes", "268435456")},
		{class: "collector: 100 MB expvar (cut at -collect-max-bytes)", rate: c.hostileRate,
			off: collector("-expvar", ok+"/debug/vars"), on: collector("-expvar", bad+"/huge/debug/vars")},
		{class: "collector: 100 MB expvar, read every second", rate: c.hostileRate,
			off: collector("-expvar", ok+"/debug/vars", "-collect-max-bytes", "268435456"),
			on:  collector("-expvar", bad+"/huge/debug/vars", "-collect-max-bytes", "268435456")},
		{class: "collector: gzip-bomb pprof (1 MB -> 1 GiB)", rate: c.hostileRate,
			off: collector("-pprof", ok+"/debug/pprof"), on: collector("-pprof", bad+"/bomb/debug/pprof")},
	}
	targets := []struct {
		class string
		b     hostile.Behaviour
		rate  int
		extra []string
	}{
		{"target: endless body", hostile.EndlessBody(), 50, []string{"-timeout", "2s"}},
		// 48 KiB of headers a response is 96 MB/s to parse at 2000/s: more
		// than this box does, and the stall, not the headers, would
		// decide the memory.
		{"target: 48 KiB of headers", hostile.HugeHeaders(48 << 10), 200, nil},
		{"target: 1xx flood", hostile.InformationalFlood(), 50, []string{"-timeout", "2s"}},
		{"target: closes kept-alive connections (POST)", hostile.ClosesIdle(), 500, []string{"-method", "POST", "-body", "BODY"}},
	}
	body := filepath.Join(c.work, "body.txt")
	if err := os.WriteFile(body, []byte("x"), 0o644); err != nil {
		return err
	}
	for i := range targets {
		for j, a := range targets[i].extra {
			if a == "BODY" {
				targets[i].extra[j] = body
			}
		}
	}
	okSrv, err := hostile.Start(hostile.OK())
	if err != nil {
		return err
	}
	defer okSrv.Close()
	for _, tg := range targets {
		srv, err := hostile.Start(tg.b)
		if err != nil {
			return err
		}
		defer srv.Close()
		for _, client := range []string{"fast", "net"} {
			base := append([]string{"-client", client}, tg.extra...)
			cases = append(cases, hostileCase{class: tg.class + " (-client " + client + ")", rate: tg.rate,
				off: append(slices.Clone(base), "-url", okSrv.URL+"/"), on: append(slices.Clone(base), "-url", srv.URL+"/")})
		}
	}

	fmt.Printf("== hostile endpoints: %s per attack, %d rounds alternating off/on, medians (peak RSS: the largest)\n", c.duration, c.rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "class\trate\tbehaviour\trequests\tsuccess\tp99\tpeak RSS\tretries\twarnings\twall clock")
	for _, hc := range cases {
		if !strings.Contains(hc.class, c.hostileOnly) {
			continue
		}
		runs := map[string][]hostileRun{}
		for round := 1; round <= c.rounds; round++ {
			for _, mode := range []string{"off", "on"} {
				args := hc.off
				if mode == "on" {
					args = hc.on
				}
				fmt.Fprintf(os.Stderr, "%s, %s, round %d/%d\n", hc.class, mode, round, c.rounds)
				r, err := runHostile(c, hc.rate, args)
				if err != nil {
					return fmt.Errorf("%s (%s): %w", hc.class, mode, err)
				}
				runs[mode] = append(runs[mode], r)
				time.Sleep(time.Second)
			}
		}
		for _, mode := range []string{"off", "on"} {
			m := medianHostile(runs[mode])
			fmt.Fprintf(tw, "%s\t%d/s\t%s\t%d\t%.2f%%\t%s\t%.1f MiB\t%d\t%d\t%s\n", hc.class, hc.rate, mode,
				m.requests, 100*m.success, dur(m.p99), float64(m.rss)/(1<<20), m.retries, m.warnings, m.wallClock.Round(100*time.Millisecond))
		}
		tw.Flush()
	}
	return nil
}

// runHostile runs one loadgen attack and reads its record.
func runHostile(c config, rate int, args []string) (hostileRun, error) {
	out, err := os.MkdirTemp(c.work, "hostile-")
	if err != nil {
		return hostileRun{}, fmt.Errorf("scratch: %w", err)
	}
	defer os.RemoveAll(out)
	args = append([]string{"attack", "-rate", strconv.Itoa(rate), "-duration", c.duration.String(), "-out", out, "-history", "off"}, args...)
	cmd := exec.Command(filepath.Join(c.bin, "loadgen"), args...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != 1 { // 1: errors during the run
		return hostileRun{}, fmt.Errorf("loadgen %s: %w", strings.Join(args, " "), err)
	}
	wall := time.Since(t0)
	var run struct {
		Summary struct {
			Requests     uint64  `json:"requests"`
			SuccessRatio float64 `json:"success_ratio"`
			Retries      uint64  `json:"retries"`
			Latency      struct{ P99 time.Duration }
			Errors       []json.RawMessage `json:"errors"`
			Target       *struct {
				Warnings []string `json:"warnings"`
			} `json:"target"`
			// loadgen's own peak RSS (VmHWM): the child's rusage would
			// carry this harness's, which holds the hostile payloads.
			Generator struct {
				MaxRSS uint64 `json:"max_rss_bytes"`
			} `json:"generator"`
		} `json:"summary"`
	}
	b, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		return hostileRun{}, fmt.Errorf("loadgen run record: %w", err)
	}
	if err := json.Unmarshal(b, &run); err != nil {
		return hostileRun{}, fmt.Errorf("loadgen run.json: %w", err)
	}
	s := run.Summary
	r := hostileRun{requests: s.Requests, success: s.SuccessRatio, p99: s.Latency.P99, rss: s.Generator.MaxRSS,
		retries: s.Retries, errors: len(s.Errors), wallClock: wall}
	if s.Target != nil {
		r.warnings = len(s.Target.Warnings)
	}
	return r, nil
}

// medianHostile takes each figure's median, and the largest peak RSS.
func medianHostile(rs []hostileRun) hostileRun {
	med := func(get func(hostileRun) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	m := rs[0]
	m.requests = uint64(med(func(r hostileRun) float64 { return float64(r.requests) }))
	m.success = med(func(r hostileRun) float64 { return r.success })
	m.p99 = time.Duration(med(func(r hostileRun) float64 { return float64(r.p99) }))
	m.retries = uint64(med(func(r hostileRun) float64 { return float64(r.retries) }))
	m.wallClock = time.Duration(med(func(r hostileRun) float64 { return float64(r.wallClock) }))
	for _, r := range rs {
		m.rss = max(m.rss, r.rss)
		m.warnings = max(m.warnings, r.warnings)
	}
	return m
}
