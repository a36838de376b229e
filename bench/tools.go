package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/pprof/profile"
)

// result is one attack by one tool.
type result struct {
	tool      string
	rate      int
	requests  uint64
	achieved  float64 // requests per second of attack
	cpu       time.Duration
	rss       uint64 // bytes, largest generator process
	lagP50    time.Duration
	lagP99    time.Duration
	latP50    time.Duration // intended-time where the tool knows it
	latP99    time.Duration
	closed    bool    // closed-loop tool: latency is service time only
	share     float64 // loadgen-traced: share of its CPU profile in tracing and live metrics
	noLag     bool
	attackDur time.Duration
	conns     int // peak established connections to the target
}

func (r result) cpuPerReq() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.requests)
}

// usage runs cmd to completion and returns its CPU (user+sys) and peak RSS.
func usage(cmd *exec.Cmd) (time.Duration, uint64, error) {
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
	}
	hwm := watchHWM(cmd.Process.Pid)
	err := cmd.Wait()
	peak := hwm()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", filepath.Base(cmd.Path), err)
	}
	cpu, _, err := cpuRSS(cmd.ProcessState)
	return cpu, peak, err
}

// watchHWM samples the process's own peak RSS (VmHWM in /proc/PID/status)
// every 50 ms until the returned func is called, which gives the last
// value seen. rusage's ru_maxrss is not used: on Linux it keeps the
// parent's RSS across vfork+exec, so every child of a large harness
// would report the harness's size.
func watchHWM(pid int) func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(done)
		// VmHWM is a high-water mark: a slow sample loses only what the
		// last second before exit adds, and every wake-up of this
		// harness beside the measured tool shows in the tool's tails on
		// a 2-core box (see sampleConns).
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(path); err == nil {
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
						kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
						mu.Lock()
						peak = max(peak, kb*1024)
						mu.Unlock()
					}
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func cpuRSS(ps *os.ProcessState) (time.Duration, uint64, error) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, fmt.Errorf("no rusage on this OS")
	}
	return ps.UserTime() + ps.SystemTime(), uint64(ru.Maxrss) * 1024, nil
}

// runTool runs one attack at rate for d, sampling the connections it
// opens to the target.
func runTool(c config, tool, url string, rate int, d time.Duration) (result, error) {
	cs := sampleConns(c.port)
	r, err := runToolOnce(c, tool, url, rate, d)
	r.conns = cs.done()
	return r, err
}

func runToolOnce(c config, tool, url string, rate int, d time.Duration) (result, error) {
	switch tool {
	case "loadgen":
		return runLoadgen(c, tool, url, rate, d)
	case "loadgen-coarse":
		return runLoadgen(c, tool, url, rate, d, "-pacing", "coarse")
	case "loadgen-net":
		return runLoadgen(c, tool, url, rate, d, "-client", "net")
	case "loadgen-output":
		// The cost of -output: every result encoded in vegeta's gob format.
		return runLoadgen(c, tool, url, rate, d, "-output", filepath.Join(c.work, "results.gob"))
	case "loadgen-traced":
		return runLoadgenTraced(c, tool, url, rate, d)
	case "vegeta":
		return runVegeta(c, url, rate, d)
	case "wrk":
		return runWrk(c, url, d)
	}
	return result{}, fmt.Errorf("unknown tool %q", tool)
}

func runLoadgen(c config, tool, url string, rate int, d time.Duration, extra ...string) (result, error) {
	return runLoadgenThen(c, tool, url, rate, d, nil, extra...)
}

// runLoadgenThen is runLoadgen, with then called on the run record before
// it is removed.
func runLoadgenThen(c config, tool, url string, rate int, d time.Duration, then func(dir string, r *result) error, extra ...string) (result, error) {
	out, err := os.MkdirTemp(c.work, "run-")
	if err != nil {
		return result{}, fmt.Errorf("scratch: %w", err)
	}
	defer os.RemoveAll(out)
	args := append([]string{"attack", "-rate", strconv.Itoa(rate), "-duration", d.String(), "-url", url, "-out", out}, extra...)
	args = append(args, strings.Fields(c.extra)...)
	cmd := exec.Command(filepath.Join(c.bin, "loadgen"), args...)
	cpu, rss, err := usage(cmd)
	if err != nil {
		return result{}, err
	}
	var run struct {
		Summary struct {
			Requests    uint64        `json:"requests"`
			Duration    time.Duration `json:"duration"`
			Latency     struct{ P50, P99 time.Duration }
			DispatchLag struct{ P50, P99 time.Duration } `json:"dispatch_lag"`
		} `json:"summary"`
	}
	b, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		return result{}, fmt.Errorf("loadgen run record: %w", err)
	}
	if err := json.Unmarshal(b, &run); err != nil {
		return result{}, fmt.Errorf("loadgen run.json: %w", err)
	}
	s := run.Summary
	r := result{
		tool: tool, rate: rate, requests: s.Requests, cpu: cpu, rss: rss,
		achieved: float64(s.Requests) / d.Seconds(), attackDur: d,
		lagP50: s.DispatchLag.P50, lagP99: s.DispatchLag.P99,
		latP50: s.Latency.P50, latP99: s.Latency.P99,
	}
	if then != nil {
		err = then(out, &r)
	}
	return r, err
}

// runVegeta runs `vegeta attack | vegeta report` as a real pipeline, as
// vegeta documents it, and counts the CPU of both processes. The harness
// tees the pipe into a file (its own CPU is not counted) for dispatch lag
// and intended-time latency, computed afterwards from Seq and Timestamp.
func runVegeta(c config, url string, rate int, d time.Duration) (result, error) {
	bin, err := lookTool(c.bin, "vegeta")
	if err != nil {
		return result{}, err
	}
	tmp, err := os.MkdirTemp(c.work, "vegeta-")
	if err != nil {
		return result{}, fmt.Errorf("scratch: %w", err)
	}
	defer os.RemoveAll(tmp)
	resFile := filepath.Join(tmp, "results.bin")
	f, err := os.Create(resFile)
	if err != nil {
		return result{}, fmt.Errorf("scratch: %w", err)
	}
	defer f.Close()
	rep := exec.Command(bin, "report")
	rep.Stdout, rep.Stderr = io.Discard, os.Stderr
	repIn, err := rep.StdinPipe()
	if err != nil {
		return result{}, fmt.Errorf("vegeta report: %w", err)
	}
	if err := rep.Start(); err != nil {
		return result{}, fmt.Errorf("vegeta report: %w", err)
	}
	atk := exec.Command(bin, "attack", "-rate", strconv.Itoa(rate), "-duration", d.String())
	atk.Stdin = strings.NewReader("GET " + url + "\n")
	atk.Stdout = io.MultiWriter(f, repIn) // exec copies the pipe here: the tee
	atk.Stderr = os.Stderr
	atkErr := atk.Start()
	var arss uint64
	if atkErr == nil {
		hwm := watchHWM(atk.Process.Pid)
		atkErr = atk.Wait()
		arss = hwm()
	}
	repIn.Close()
	repErr := rep.Wait()
	if atkErr != nil || repErr != nil {
		return result{}, fmt.Errorf("vegeta attack | vegeta report: %w", errors.Join(atkErr, repErr))
	}
	acpu, _, err := cpuRSS(atk.ProcessState)
	if err != nil {
		return result{}, err
	}
	rcpu, _, err := cpuRSS(rep.ProcessState)
	if err != nil {
		return result{}, err
	}
	r := result{tool: "vegeta", rate: rate, cpu: acpu + rcpu, rss: arss, attackDur: d}
	if err := vegetaTimes(bin, resFile, rate, &r); err != nil {
		return result{}, err
	}
	r.achieved = float64(r.requests) / d.Seconds()
	return r, nil
}

// vegetaTimes reads vegeta's results as CSV (timestamp ns, code, latency
// ns, ..., seq at column 8). Hit seq is due at began+(seq+1)/rate; vegeta
// does not record began, so it is estimated as the earliest
// timestamp-minus-due, which understates vegeta's lag by its smallest
// lag (favouring vegeta by microseconds).
func vegetaTimes(bin, resFile string, rate int, r *result) error {
	enc := exec.Command(bin, "encode", "-to", "csv", resFile)
	out, err := enc.StdoutPipe()
	if err != nil {
		return fmt.Errorf("vegeta encode: %w", err)
	}
	if err := enc.Start(); err != nil {
		return fmt.Errorf("vegeta encode: %w", err)
	}
	type hit struct{ offset, latency int64 } // sent - due, service latency
	var hits []hit
	rd := csv.NewReader(bufio.NewReaderSize(out, 1<<20))
	rd.FieldsPerRecord = -1
	began := int64(math.MaxInt64)
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("vegeta csv: %w", err)
		}
		ts, _ := strconv.ParseInt(rec[0], 10, 64)
		lat, _ := strconv.ParseInt(rec[2], 10, 64)
		seq, _ := strconv.ParseInt(rec[8], 10, 64)
		due := (seq + 1) * int64(time.Second) / int64(rate)
		h := hit{ts - due, lat}
		began = min(began, h.offset)
		hits = append(hits, h)
	}
	if err := enc.Wait(); err != nil {
		return fmt.Errorf("vegeta encode: %w", err)
	}
	lags := make([]int64, len(hits))
	lats := make([]int64, len(hits))
	for i, h := range hits {
		lags[i] = h.offset - began
		lats[i] = lags[i] + h.latency
	}
	r.requests = uint64(len(hits))
	r.lagP50, r.lagP99 = pct(lags, 50), pct(lags, 99)
	r.latP50, r.latP99 = pct(lats, 50), pct(lats, 99)
	return nil
}

func pct(v []int64, p float64) time.Duration {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	i := int(math.Ceil(p/100*float64(len(v)))) - 1
	return time.Duration(v[max(i, 0)])
}

var (
	wrkReqs = regexp.MustCompile(`(\d+) requests in`)
	wrkPct  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
)

// runWrk runs wrk closed-loop (it has no rate control; wrk2 has, but is
// not packaged): its CPU per request at its own maximum rate is the floor
// an event-loop C client reaches. Its latency is service time only.
func runWrk(c config, url string, d time.Duration) (result, error) {
	bin, err := lookTool(c.bin, "wrk")
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(bin, "-t1", "-c10", "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", url)
	var sb strings.Builder
	cmd.Stdout = &sb
	cpu, rss, err := usage(cmd)
	if err != nil {
		return result{}, err
	}
	m := wrkReqs.FindStringSubmatch(sb.String())
	if m == nil {
		return result{}, fmt.Errorf("wrk output: %q", sb.String())
	}
	n, _ := strconv.ParseUint(m[1], 10, 64)
	r := result{tool: "wrk", requests: n, cpu: cpu, rss: rss, achieved: float64(n) / d.Seconds(), closed: true, noLag: true, attackDur: d}
	for _, p := range wrkPct.FindAllStringSubmatch(sb.String(), -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[3]]
		if p[1] == "50" {
			r.latP50 = time.Duration(v * float64(unit))
		} else {
			r.latP99 = time.Duration(v * float64(unit))
		}
	}
	return r, nil
}

// runLoadgenTraced is the default loadgen with -trace (a traceparent on
// every request, trace ids in the exemplars) and -listen-metrics, scraped
// every second by the harness the way Prometheus with native histograms
// scrapes (protobuf), so that loadgen's CPU includes serving the scrapes.
// The harness's own scraping CPU is not counted.
func runLoadgenTraced(c config, tool, url string, rate int, d time.Duration) (result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, fmt.Errorf("free port for -listen-metrics: %w", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop := make(chan struct{})
	scraped := make(chan int)
	go func() {
		n := 0
		defer func() { scraped <- n }()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
			req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n++
			}
		}
	}()
	// Its own CPU profile says how much of its CPU the tracing and live
	// metrics code took (profiling costs ~1 %, counted against it).
	share := func(dir string, r *result) (err error) {
		r.share, err = tracingShare(filepath.Join(dir, "profiles", "loadgen-cpu.pb.gz"))
		return err
	}
	r, err := runLoadgenThen(c, tool, url, rate, d, share, "-trace", "-listen-metrics", addr, "-listen-metrics-linger", "0", "-self-profile")
	close(stop)
	if n := <-scraped; err == nil && n == 0 {
		return r, fmt.Errorf("%s: the harness could not scrape %s", tool, addr)
	}
	return r, err
}

// tracingFuncs are the code -trace and -listen-metrics add, by function
// name prefix: the trace ids and header, the metrics per result and the
// scrapes (everything in livemetrics, and the registry's gathering, which
// runs on goroutines of its own), and the exemplars kept.
var tracingFuncs = []string{
	"github.com/loadgen/loadgen/pkg/attack.(*tracer).",
	"github.com/loadgen/loadgen/pkg/attack.appendTraceparent",
	"github.com/loadgen/loadgen/pkg/livemetrics.",
	"github.com/prometheus/client_golang/prometheus.(*Registry).Gather",
	"github.com/loadgen/loadgen/pkg/recording.(*exemplars).",
	"github.com/loadgen/loadgen/pkg/recording.(*slowest).",
}

// tracingShare is the fraction of loadgen's own CPU profile spent in
// tracingFuncs (a sample counts once however many of them it is under).
// Inlined functions keep their names in the profile's lines.
func tracingShare(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("loadgen's profile: %w", err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return 0, fmt.Errorf("loadgen's profile: %w", err)
	}
	var total, in int64
	for _, s := range p.Sample {
		v := s.Value[len(s.Value)-1] // cpu nanoseconds
		total += v
	stack:
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				if slices.ContainsFunc(tracingFuncs, func(pfx string) bool { return strings.HasPrefix(ln.Function.Name, pfx) }) {
					in += v
					break stack
				}
			}
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(in) / float64(total), nil
}
