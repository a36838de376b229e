package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The scenarios of issue 10, each against a Go target served by this
// process on a loopback port (no concurrency limit: a goroutine per
// connection), with loadgen's default flags.
const (
	stallRate     = 5000
	stallDuration = 20 * time.Second
	stallPeriod   = 4 * time.Second
	stallFor      = 2 * time.Second
	stallOffset   = time.Second // the first stall begins 1 s in

	slowRate = 2000
	// slowDuration is 30 s, not 10: throughput is vegeta's, successes over
	// the attack plus the wait for the last response, and a 200 ms wait
	// alone is 2 % of 10 s (at most 1960.8/s), 0.7 % of 30 s.
	slowDuration = 30 * time.Second
	slowService  = 200 * time.Millisecond
	slowP99      = 260 * time.Millisecond
)

func scenarios(c config) error {
	if c.stall {
		if err := stallScenario(c); err != nil {
			return err
		}
	}
	if c.slow {
		if err := slowScenario(c); err != nil {
			return err
		}
	}
	return nil
}

// serve starts h on a free loopback port and returns its URL and a stop.
func serve(h http.HandlerFunc) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

// loadgenRun is one loadgen attack (default flags and -loadgen-flags) and its record.
type loadgenRun struct {
	cpu   time.Duration
	rss   uint64
	conns int // sampled from /proc/net/tcp
	run   *runrecord.Run
	rep   *report.Report
	dir   string
}

func attackDefault(c config, url string, rate int, d time.Duration, port int) (*loadgenRun, error) {
	dir, err := os.MkdirTemp(c.work, "scenario-")
	if err != nil {
		return nil, fmt.Errorf("scratch: %w", err)
	}
	out := filepath.Join(dir, "run")
	args := []string{"attack", "-rate", fmt.Sprint(rate), "-duration", d.String(), "-url", url, "-out", out}
	// -loadgen-flags applies here too, so a scenario can try a setting
	// against its default (the headline names the flags).
	cmd := exec.Command(filepath.Join(c.bin, "loadgen"), append(args, strings.Fields(c.extra)...)...)
	cs := sampleConns(port)
	cpu, rss, err := usage(cmd)
	conns := cs.done()
	if err != nil {
		return nil, err
	}
	run, err := runrecord.Read(out)
	if err != nil {
		return nil, err
	}
	rep, err := report.Load(out)
	if err != nil {
		return nil, err
	}
	return &loadgenRun{cpu: cpu, rss: rss, conns: conns, run: run, rep: rep, dir: out}, nil
}

// flagsNamed is what a scenario's headline says of loadgen's flags.
func flagsNamed(c config) string {
	if c.extra == "" {
		return "default flags"
	}
	return "flags " + c.extra
}

func portOf(url string) int {
	var p int
	i := strings.LastIndex(url, ":")
	fmt.Sscanf(url[i+1:], "%d", &p)
	return p
}

// stallQuantile is the analytic intended-time latency at quantile q of a
// target that freezes for S every P (requests due t into a stall wait
// S-t), with instant service otherwise: S-(1-q)P for q >= 1-S/P.
func stallQuantile(q float64) time.Duration {
	return stallFor - time.Duration((1-q)*float64(stallPeriod))
}

func stallScenario(c config) error {
	t0 := time.Now()
	url, stop, err := serve(func(w http.ResponseWriter, _ *http.Request) {
		if el := time.Since(t0) - stallOffset; el >= 0 {
			if ph := el % stallPeriod; ph < stallFor {
				time.Sleep(stallFor - ph)
			}
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("== stall: a loopback Go target freezes %s every %s; loadgen attack -rate %d -duration %s, %s\n", stallFor, stallPeriod, stallRate, stallDuration, flagsNamed(c))
	r, err := attackDefault(c, url, stallRate, stallDuration, portOf(url))
	if err != nil {
		return err
	}
	s := r.run.Summary
	g := s.Generator
	fmt.Printf("  sent %d of %d, missed %d (dropped %d), errors %d\n", s.Requests, int(stallRate*stallDuration.Seconds()), s.Missed, g.Dropped, len(s.Errors))
	fmt.Printf("  peak connections %d (sampled %d), workers %d of ceiling %d, in flight %d, waiting %d, goroutines %d, RSS %.1f MiB, CPU/req %s\n",
		g.Connections, r.conns, g.Workers, g.MaxWorkers, g.PeakInFlight, g.PeakWaiting, g.Goroutines, float64(r.rss)/(1<<20), dur(r.cpu/time.Duration(max(s.Requests, 1))))
	fmt.Println("  intended-time latency vs the analytic distribution of the stall:")
	for _, q := range []struct {
		name string
		q    float64
		got  time.Duration
	}{{"p75", .75, time.Duration(r.rep.Latency.ValueAtQuantile(75))}, {"p90", .90, s.Latency.P90}, {"p95", .95, s.Latency.P95}, {"p99", .99, s.Latency.P99}, {"p99.9", .999, s.Latency.P999}} {
		want := stallQuantile(q.q)
		fmt.Printf("    %-6s %9s  analytic %9s  %+6.1f%%\n", q.name, dur(q.got), dur(want), 100*(float64(q.got)/float64(want)-1))
	}
	fmt.Print("  p99 per 1 s interval (recovery after each stall):")
	for i, row := range r.rep.Intervals {
		if i%10 == 0 {
			fmt.Print("\n   ")
		}
		fmt.Printf(" %8s", dur(row.P99))
	}
	fmt.Println()
	fmt.Println()
	return nil
}

func slowScenario(c config) error {
	url, stop, err := serve(func(w http.ResponseWriter, _ *http.Request) { time.Sleep(slowService) })
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("== slow target: a loopback Go target with a fixed %s service time; loadgen attack -rate %d -duration %s, %s (Little's law: %.0f in flight)\n", slowService, slowRate, slowDuration, flagsNamed(c), slowRate*slowService.Seconds())
	r, err := attackDefault(c, url, slowRate, slowDuration, portOf(url))
	if err != nil {
		return err
	}
	s := r.run.Summary
	g := s.Generator
	ok := s.Throughput >= 0.99*slowRate && s.Throughput <= 1.01*slowRate && s.Latency.P99 < slowP99
	fmt.Printf("  rate %.1f/s, throughput %.1f/s (goal %d ±1%%), p50 %s, p99 %s (goal < %s), max %s; missed %d; workers %d, peak in flight %d, connections %d (sampled %d); %s\n",
		s.Rate, s.Throughput, slowRate, dur(s.Latency.P50), dur(s.Latency.P99), dur(slowP99), dur(s.Latency.Max), s.Missed, g.Workers, g.PeakInFlight, g.Connections, r.conns, map[bool]string{true: "PASS", false: "FAIL"}[ok])
	fmt.Println()
	return nil
}
