package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// lazyBench shows that `loadgen attack -lazy` holds a bounded number of
// targets whatever the stream's length: for each count, a generator (this
// process) pipes that many unique URLs into loadgen's stdin, which sends
// each once to the demo target as fast as -max-workers 64 allows (rate 0),
// and the generator's peak RSS is reported; for the first count the same
// targets are also read eagerly (no -lazy), which holds them all (that
// attack is cut at 5 s).
func lazyBench(c config, counts []int) error {
	tgt, url, _, err := startDemoTarget(c.bin)
	if err != nil {
		return err
	}
	defer func() { _ = tgt.Process.Signal(os.Interrupt); _ = tgt.Wait() }()
	fmt.Printf("== -lazy: unique URLs %s/hello?id=N piped into stdin, rate 0, -max-workers 64\n", url)
	fmt.Printf("%-6s %10s %10s %10s %14s\n", "mode", "targets", "requests", "seconds", "peak RSS")
	run := func(lazy bool, n int) error {
		out, err := os.MkdirTemp(c.work, "lazy-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(out)
		// -lazy ends with its targets; eager reading sends them round-
		// robin, so it is cut at 5 s: its peak is holding them all.
		args := []string{"attack", "-rate", "0", "-max-workers", "64", "-duration", "5s", "-targets", "-", "-out", out, "-history", "off"}
		if lazy {
			args = append(args, "-lazy")
			args[6] = "30m"
		}
		cmd := exec.Command(filepath.Join(c.bin, "loadgen"), args...)
		pr, pw := io.Pipe()
		cmd.Stdin = pr
		go func() {
			w := bufio.NewWriterSize(pw, 64<<10)
			for i := range n {
				if _, err := fmt.Fprintf(w, "GET %s/hello?id=%d\n", url, i); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
			pw.CloseWithError(w.Flush())
		}()
		start := time.Now()
		_, rss, err := usage(cmd)
		pr.Close()
		if err != nil {
			return err
		}
		var rec struct {
			Summary struct {
				Requests uint64 `json:"requests"`
			} `json:"summary"`
		}
		b, err := os.ReadFile(filepath.Join(out, "run.json"))
		if err != nil {
			return fmt.Errorf("run record: %w", err)
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return err
		}
		mode := "eager"
		if lazy {
			mode = "lazy"
		}
		fmt.Printf("%-6s %10d %10d %10.1f %10.1f MiB\n", mode, n, rec.Summary.Requests, time.Since(start).Seconds(), mib(rss))
		return nil
	}
	for i, n := range counts {
		if i == 0 {
			if err := run(false, n); err != nil {
				return err
			}
		}
		if err := run(true, n); err != nil {
			return err
		}
	}
	return nil
}

// lazyCounts reads -lazy's comma-separated target counts.
func lazyCounts(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	out, err := ints(s)
	if err != nil {
		return nil, fmt.Errorf("-lazy: %w", err)
	}
	for _, n := range out {
		if n > 100_000_000 {
			return nil, fmt.Errorf("-lazy: %s targets: at most 100,000,000", strconv.Itoa(n))
		}
	}
	return out, nil
}
