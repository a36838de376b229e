package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
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

// stallDrained is the intended-time latency at each quantile of qs of the
// same stalls on a box that serves at most capacity requests per second
// (the generator and the target together): a FIFO fluid queue in which
// request i is due at (i+1)/rate, nothing completes during a stall, and
// completions are at least 1/capacity apart. The analytic distribution
// assumes the backlog of a stall is answered the instant it ends; this
// one drains it at the box's measured capacity, which is what the run
// can do at best.
func stallDrained(capacity float64, qs []float64) []time.Duration {
	n := int(stallRate * stallDuration.Seconds())
	lat := make([]time.Duration, n)
	step := time.Duration(float64(time.Second) / capacity)
	var last time.Duration // completion of the request before
	for i := range n {
		due := time.Duration(float64(i+1) * float64(time.Second) / stallRate)
		done := max(due, last+step)
		if el := done - stallOffset; el >= 0 {
			if ph := el % stallPeriod; ph < stallFor {
				done += stallFor - ph // held until the stall ends
			}
		}
		lat[i], last = done-due, done
	}
	slices.Sort(lat)
	out := make([]time.Duration, len(qs))
	for i, q := range qs {
		out[i] = lat[min(n-1, int(q*float64(n)))]
	}
	return out
}

// stallCapacity measures what the box serves per second with the stall
// target not stalling, at the generator's default ceiling of in-flight
// requests: a closed-loop attack (-rate 0) with -max-workers 1024.
func stallCapacity(c config, url string) (float64, error) {
	dir, err := os.MkdirTemp(c.work, "capacity-")
	if err != nil {
		return 0, fmt.Errorf("scratch: %w", err)
	}
	out := filepath.Join(dir, "run")
	cmd := exec.Command(filepath.Join(c.bin, "loadgen"), "attack", "-rate", "0", "-max-workers", "1024", "-duration", "3s", "-url", url, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("capacity probe: %w: %s", err, b)
	}
	run, err := runrecord.Read(out)
	if err != nil {
		return 0, err
	}
	return run.Summary.Throughput, nil
}

func stallScenario(c config) error {
	t0 := time.Now()
	var stalls atomic.Bool
	url, stop, err := serve(func(w http.ResponseWriter, _ *http.Request) {
		if !stalls.Load() {
			return
		}
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
	capacity, err := stallCapacity(c, url)
	if err != nil {
		return err
	}
	fmt.Printf("== stall: a loopback Go target freezes %s every %s; loadgen attack -rate %d -duration %s, %s\n", stallFor, stallPeriod, stallRate, stallDuration, flagsNamed(c))
	fmt.Printf("  the box's capacity with the target not stalling: %.0f/s (loadgen attack -rate 0 -max-workers 1024 -duration 3s)\n", capacity)
	t0 = time.Now()
	stalls.Store(true)
	r, err := attackDefault(c, url, stallRate, stallDuration, portOf(url))
	if err != nil {
		return err
	}
	s := r.run.Summary
	g := s.Generator
	fmt.Printf("  sent %d of %d, missed %d (dropped %d), errors %d\n", s.Requests, int(stallRate*stallDuration.Seconds()), s.Missed, g.Dropped, len(s.Errors))
	fmt.Printf("  peak connections %d (sampled %d), workers %d of ceiling %d, in flight %d, waiting %d, goroutines %d, RSS %.1f MiB, CPU/req %s\n",
		g.Connections, r.conns, g.Workers, g.MaxWorkers, g.PeakInFlight, g.PeakWaiting, g.Goroutines, float64(r.rss)/(1<<20), dur(r.cpu/time.Duration(max(s.Requests, 1))))
	fmt.Printf("  intended-time latency vs the analytic distribution of the stall (instant drain), and vs the same stalls drained at the box's capacity (%.0f/s):\n", capacity)
	qs := []struct {
		name string
		q    float64
		got  time.Duration
	}{{"p75", .75, time.Duration(r.rep.Latency.ValueAtQuantile(75))}, {"p90", .90, s.Latency.P90}, {"p95", .95, s.Latency.P95}, {"p99", .99, s.Latency.P99}, {"p99.9", .999, s.Latency.P999}}
	var fs []float64
	for _, q := range qs {
		fs = append(fs, q.q)
	}
	drained := stallDrained(capacity, fs)
	for i, q := range qs {
		want := stallQuantile(q.q)
		fmt.Printf("    %-6s %9s  analytic %9s  %+6.1f%%   drained %9s  %+6.1f%%\n", q.name, dur(q.got), dur(want), 100*(float64(q.got)/float64(want)-1),
			dur(drained[i]), 100*(float64(q.got)/float64(drained[i])-1))
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
