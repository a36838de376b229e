package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/procfs"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runner"
)

// soakSample is the generator's state at one instant of a soak.
type soakSample struct {
	at         time.Duration
	rss        uint64
	goroutines int
	fds        int
	sent       uint64
	p99        time.Duration // of the interval just closed
}

// soakBench runs one long attack with the collector on (pprof, metrics,
// expvar of the demo target, a child process) and samples the generator's
// RSS, goroutines and open fds every c.soakEvery. The generator is this
// process, running the runner as `loadgen attack` does, so that its
// goroutines can be counted; the target is another process.
func soakBench(c config) error {
	tgt, url, admin, err := startDemoTarget(c.bin)
	if err != nil {
		return err
	}
	defer func() { _ = tgt.Process.Signal(os.Interrupt); _ = tgt.Wait() }()

	tgts, err := attack.TargetsFromURLs([]string{url + "/hello"}, "GET", nil, nil)
	if err != nil {
		return err
	}
	sched, err := attack.ParseRate(strconv.Itoa(c.soakRate))
	if err != nil {
		return err
	}
	opts := attack.DefaultOptions()
	opts.Duration = c.soakDuration
	opts.Timeout = 10 * time.Second
	if c.soakMaxWorkers > 0 {
		// vegeta's worker policy starts a worker (and a connection) for
		// every slot that finds all busy: on a shared box, one stall of
		// the co-located target grows the pool by thousands, which is
		// policy, not a leak. A cap shows whether anything grows with run
		// length.
		opts.MaxWorkers = uint64(c.soakMaxWorkers)
	}
	out, err := os.MkdirTemp(c.work, "soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	var (
		mu      sync.Mutex
		sent    uint64
		lastP99 time.Duration
	)
	plan := runner.Plan{
		Name: "soak", Targets: tgts, Schedule: sched, Options: opts, Out: out,
		Collect: &collect.Config{PprofURL: admin + "/debug/pprof", MetricsURL: admin + "/metrics", ExpvarURL: admin + "/debug/vars",
			Interval: time.Second, Baseline: -1},
	}
	plan.Progress = func(s recording.IntervalStats) {
		mu.Lock()
		sent, lastP99 = s.Requests, s.P99
		mu.Unlock()
	}
	fmt.Printf("== soak: %d req/s for %s against the demo target (/hello), collector on (pprof, metrics, expvar at 1s), -max-workers %d; a sample every %s\n",
		c.soakRate, c.soakDuration, c.soakMaxWorkers, c.soakEvery)
	self, err := procfs.Self()
	if err != nil {
		return err
	}
	var samples []soakSample
	stop := make(chan struct{})
	done := make(chan struct{})
	begin := time.Now()
	go func() {
		defer close(done)
		t := time.NewTicker(c.soakEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			s := soakSample{at: time.Since(begin).Round(time.Second), goroutines: runtime.NumGoroutine()}
			if st, err := self.NewStatus(); err == nil {
				s.rss = st.VmRSS
			}
			if n, err := self.FileDescriptorsLen(); err == nil {
				s.fds = n
			}
			mu.Lock()
			s.sent, s.p99 = sent, lastP99
			mu.Unlock()
			samples = append(samples, s)
			fmt.Fprintf(os.Stderr, "%8s  rss %6.1f MiB  goroutines %4d  fds %3d  sent %d  p99 %s\n",
				s.at, float64(s.rss)/(1<<20), s.goroutines, s.fds, s.sent, dur(s.p99))
		}
	}()
	run, err := runner.Execute(context.Background(), plan)
	close(stop)
	<-done
	if c.soakMemProfile != "" {
		// Written even when the attack failed: a heap profile is most
		// wanted when a soak went wrong.
		if perr := writeHeapProfile(c.soakMemProfile); perr != nil {
			err = errors.Join(err, perr)
		}
	}
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "elapsed\tRSS\tgoroutines\tfds\tsent\tinterval p99\t")
	for _, s := range samples {
		fmt.Fprintf(tw, "%s\t%.1f MiB\t%d\t%d\t%d\t%s\t\n", s.at, float64(s.rss)/(1<<20), s.goroutines, s.fds, s.sent, dur(s.p99))
	}
	tw.Flush()
	sum := run.Summary
	fmt.Printf("attack: %d requests, %.2f%% success, p99 %s, missed %d, peak RSS %.1f MiB\n",
		sum.Requests, 100*sum.SuccessRatio, dur(sum.Latency.P99), sum.Missed, float64(sum.Generator.MaxRSSBytes)/(1<<20))
	if t := sum.Target; t != nil && len(t.Warnings) > 0 {
		fmt.Printf("collector warnings: %s\n", strings.Join(t.Warnings, "; "))
	}
	var steady []soakSample
	for _, s := range samples {
		if s.at > time.Minute {
			steady = append(steady, s)
		}
	}
	if len(steady) < 2 {
		return nil
	}
	span := func(get func(soakSample) float64) (lo, hi float64) {
		v := make([]float64, len(steady))
		for i, s := range steady {
			v[i] = get(s)
		}
		return slices.Min(v), slices.Max(v)
	}
	rl, rh := span(func(s soakSample) float64 { return float64(s.rss) / (1 << 20) })
	gl, gh := span(func(s soakSample) float64 { return float64(s.goroutines) })
	fl, fh := span(func(s soakSample) float64 { return float64(s.fds) })
	fmt.Printf("after the first minute (%d samples): RSS %.1f..%.1f MiB, goroutines %.0f..%.0f, fds %.0f..%.0f\n", len(steady), rl, rh, gl, gh, fl, fh)
	return nil
}

// writeHeapProfile writes this process's heap profile (the generator's:
// the soak runs the runner in-process) to path, after a GC so that it
// shows what is live at the end of the run rather than what awaits
// collection.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("-soak-memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("-soak-memprofile: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("-soak-memprofile: close %s: %w", path, err)
	}
	return nil
}

// startDemoTarget starts `loadgen target` on free loopback ports and
// returns it with its application and admin base URLs.
func startDemoTarget(bin string) (*exec.Cmd, string, string, error) {
	cmd := exec.Command(filepath.Join(bin, "loadgen"), "target", "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", "", fmt.Errorf("start the demo target: %w", err)
	}
	var url, admin string
	sc := bufio.NewScanner(stdout)
	for (url == "" || admin == "") && sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "demo target on "); ok {
			url, _, _ = strings.Cut(rest, " ")
		}
		if rest, ok := strings.CutPrefix(line, "admin: "); ok {
			a, _, _ := strings.Cut(rest, " ")
			admin = strings.TrimSuffix(a, "/debug/pprof/")
		}
	}
	if url == "" || admin == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, "", "", fmt.Errorf("the demo target did not say where it serves")
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return cmd, url, admin, nil
}
