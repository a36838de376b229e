// Command bench compares loadgen's generator efficiency with its peers on
// this machine: CPU per request (user+sys of the generator processes),
// achieved rate, dispatch lag, intended-time latency and peak RSS, against a
// loopback nginx (one worker, `return 200`), and searches the highest rate
// each tool sustains. Traffic goes to 127.0.0.1 only; every run is bounded.
//
//	go run ./bench -install            # apt nginx+wrk, go install vegeta
//	go run ./bench                     # table at 5000 req/s, 3 rounds
//	go run ./bench -search             # also the sustainable-rate search
//	go run ./bench -table=false -sweep # rate sweep 100 -> highest sustained, loadgen vs vegeta
//	go run ./bench -table=false -stall -slow   # the stall and slow-target scenarios
//	go run ./bench -memory 10m -tools loadgen-traced   # peak RSS, 10 min vs 10 s
//	go run ./bench -hostile            # hostile targets and collector endpoints, on and off
//	go run ./bench -soak               # 10 minutes at 5000 req/s, collector on: RSS, goroutines, fds
//
// See BENCHMARKS.md for the figures and how to read them.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type config struct {
	rates    []int
	rounds   int
	duration time.Duration
	search   bool
	steps    []int
	attempts int
	work     string
	bin      string
	install  bool
	port     int
	tools    []string
	shards   int

	sweep      bool
	sweepRates []int
	sweepTools []string
	stall      bool
	slow       bool
	memory     time.Duration
	extra      string

	hostile     bool
	floor       bool
	hostileRate int
	hostileOnly string

	soak           bool
	soakRate       int
	soakDuration   time.Duration
	soakEvery      time.Duration
	soakMaxWorkers int
	soakMemProfile string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var c config
	rates := flag.String("rates", "5000", "comma-separated request rates for the table")
	steps := flag.String("steps", "2500,5000,7500,10000,12500,15000,17500,20000", "rates tried, in order, by -search")
	tools := flag.String("tools", "loadgen,loadgen-coarse,loadgen-net,vegeta,wrk", "tools in the table (loadgen, loadgen-coarse, loadgen-net, loadgen-output, loadgen-traced: -trace -listen-metrics scraped every second, vegeta, wrk)")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating rounds per rate (medians are reported)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "length of each attack")
	flag.BoolVar(&c.search, "search", false, "also search the highest rate each tool sustains")
	flag.IntVar(&c.attempts, "attempts", 2, "attempts per search step; a step passes if any attempt keeps the schedule")
	flag.StringVar(&c.work, "work", filepath.Join(os.TempDir(), "loadgen-bench"), "scratch directory (nginx config, results)")
	flag.BoolVar(&c.install, "install", false, "install peers first: apt-get nginx wrk, go install vegeta@v12.13.0")
	flag.IntVar(&c.port, "port", 18086, "loopback port for nginx")
	flag.IntVar(&c.shards, "shards", 0, "instead of the tools table: one process vs a coordinator and this many shards at each -rates total")
	flag.BoolVar(&c.sweep, "sweep", false, "rate sweep: each tool from the lowest of -sweep-rates up to the highest rate it sustains")
	sweepRates := flag.String("sweep-rates", "100,1000,5000,10000,20000,30000,40000,50000", "rates of -sweep, ascending")
	sweepTools := flag.String("sweep-tools", "loadgen,vegeta", "tools of -sweep")
	flag.BoolVar(&c.stall, "stall", false, "stall scenario: a loopback target that freezes 2s every 4s, 5000 req/s for 20s, default flags and -loadgen-flags")
	flag.BoolVar(&c.slow, "slow", false, "slow-target scenario: 2000 req/s against a loopback target with a fixed 200ms service time, default flags and -loadgen-flags")
	showTable := flag.Bool("table", true, "the CPU table at -rates (turn off to run only -sweep, -stall, -slow or -search)")
	flag.StringVar(&c.extra, "loadgen-flags", "", "more flags for every loadgen tool, like '-max-workers 256'")
	flag.DurationVar(&c.memory, "memory", 0, "instead of the table: per tool, one attack this long at the first -rates, then 3 of -duration, and the peak RSS of each (memory flat in run length)")
	flag.BoolVar(&c.hostile, "hostile", false, "instead of the table: hostile collector endpoints and targets, each with and without its behaviour (requests, p99, peak RSS)")
	flag.IntVar(&c.hostileRate, "hostile-rate", 2000, "attack rate for -hostile's collector classes (nginx target)")
	flag.StringVar(&c.hostileOnly, "hostile-only", "", "run only the -hostile classes whose name contains this")
	flag.BoolVar(&c.soak, "soak", false, "instead of the table: one long attack on the demo target with the collector on, sampling the generator's RSS, goroutines and fds")
	flag.IntVar(&c.soakRate, "soak-rate", 5000, "request rate of -soak")
	flag.DurationVar(&c.soakDuration, "soak-duration", 10*time.Minute, "length of -soak")
	flag.DurationVar(&c.soakEvery, "soak-every", 10*time.Second, "sampling interval of -soak")
	flag.IntVar(&c.soakMaxWorkers, "soak-max-workers", 1000, "-max-workers of -soak (0: vegeta's unbounded policy)")
	flag.StringVar(&c.soakMemProfile, "soak-memprofile", "", "write the generator's heap profile here when -soak ends")
	flag.BoolVar(&c.floor, "floor", false, "instead of the table: per -rates and round, how late a thread that only sleeps to each slot's due time wakes (the box's floor), alone and while loadgen attacks nginx at that rate, next to loadgen's dispatch lag")
	lazy := flag.String("lazy", "", "instead of the table: peak RSS of `loadgen attack -lazy` fed this many unique URLs on stdin (comma-separated counts, like 100000,1000000; the first also read eagerly, without -lazy)")
	flag.Parse()
	var err error
	if c.rates, err = ints(*rates); err != nil {
		return err
	}
	if c.steps, err = ints(*steps); err != nil {
		return err
	}
	c.tools = strings.Split(*tools, ",")
	if c.sweepRates, err = ints(*sweepRates); err != nil {
		return err
	}
	c.sweepTools = strings.Split(*sweepTools, ",")
	c.bin = filepath.Join(c.work, "bin")
	if err := os.MkdirAll(c.bin, 0o755); err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	if c.install {
		if err := install(c.bin); err != nil {
			return err
		}
	}
	if err := buildLoadgen(c.bin); err != nil {
		return err
	}
	fmt.Printf("machine: %s\n", machine())
	if counts, err := lazyCounts(*lazy); err != nil {
		return err
	} else if counts != nil {
		return lazyBench(c, counts)
	}
	if c.soak {
		return soakBench(c)
	}
	if c.stall || c.slow {
		if err := scenarios(c); err != nil {
			return err
		}
		if !c.sweep && !c.search && !*showTable {
			return nil
		}
	}
	ng, err := startNginx(c.work, c.port)
	if err != nil {
		return err
	}
	defer ng.stop()
	url := fmt.Sprintf("http://127.0.0.1:%d/", c.port)
	if c.hostile {
		return hostileBench(c, url)
	}
	if c.floor {
		return floorBench(c, url)
	}
	fmt.Printf("target: nginx 1 worker `return 200` at %s; %s per attack, %d rounds, medians\n", url, c.duration, c.rounds)
	fmt.Printf("omitted: wrk2 (not packaged in Debian), k6 (large install; run it by hand if wanted)\n\n")

	if c.memory > 0 {
		return memoryRuns(c, url)
	}
	for _, rate := range c.rates {
		if !*showTable {
			break
		}
		if c.shards > 0 {
			if err := distributed(c, url, rate); err != nil {
				return err
			}
			continue
		}
		rows, err := table(c, url, rate)
		if err != nil {
			return err
		}
		printTable(os.Stdout, rate, rows)
	}
	if c.sweep {
		if err := sweep(c, url); err != nil {
			return err
		}
	}
	if c.search {
		return search(c, url)
	}
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad rate %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// install fetches the peers from their public packages.
func install(bin string) error {
	steps := [][]string{
		{"apt-get", "install", "-y", "-q", "nginx", "wrk"},
	}
	if _, err := exec.LookPath("nginx"); err == nil {
		steps[0] = []string{"apt-get", "install", "-y", "-q", "wrk"}
	}
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w (try apt-get update first)", strings.Join(s, " "), err)
		}
	}
	cmd := exec.Command("go", "install", "github.com/tsenart/vegeta/v12@v12.13.0")
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	cmd.Dir = os.TempDir() // outside this module: install the released vegeta
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go install vegeta: %w", err)
	}
	return nil
}

func buildLoadgen(bin string) error {
	cmd := exec.Command("go", "build", "-o", filepath.Join(bin, "loadgen"), "./cmd/loadgen")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build loadgen (run from the repository root): %w", err)
	}
	return nil
}

// lookTool finds a peer in the bench bin directory, then on PATH.
func lookTool(bin, name string) (string, error) {
	p := filepath.Join(bin, name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found (run with -install)", name)
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%s, %d CPUs, Linux %s, %s", model, numCPU(), strings.TrimSpace(string(kernel)), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}
