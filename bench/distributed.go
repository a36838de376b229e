package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// distributed compares, at a total rate, one loadgen process with a
// coordinator and c.shards shard processes on the same nginx, rounds
// alternating: merged counts, every shard's clock offset and start lag,
// and p50/p99/p99.9 side by side (go run ./bench -shards 4 -rates 10000).
func distributed(c config, url string, rate int) error {
	fmt.Printf("sharded vs single process: %d x %d/s = %d/s for %s, %d round(s)\n\n", c.shards, rate/c.shards, rate, c.duration, c.rounds)
	for round := 1; round <= c.rounds; round++ {
		single, err := singleRun(c, url, rate)
		if err != nil {
			return err
		}
		merged, err := shardedRun(c, url, rate)
		if err != nil {
			return err
		}
		fmt.Printf("round %d\n%-10s %9s %7s %10s %10s %10s %10s\n", round, "", "requests", "missed", "p50", "p99", "p99.9", "max")
		for _, r := range []struct {
			name string
			s    runrecord.Summary
		}{{"single", single.Summary}, {fmt.Sprintf("%d shards", c.shards), merged.Summary}} {
			l := r.s.Latency
			fmt.Printf("%-10s %9d %7d %10s %10s %10s %10s\n", r.name, r.s.Requests, r.s.Missed, text.Round(l.P50), text.Round(l.P99), text.Round(l.P999), text.Round(l.Max))
		}
		if err := text.WriteShards(os.Stdout, merged.Shards); err != nil {
			return err
		}
		fmt.Println()
	}
	return nil
}

func singleRun(c config, url string, rate int) (*runrecord.Run, error) {
	out, err := os.MkdirTemp(c.work, "single-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	cmd := exec.Command(filepath.Join(c.bin, "loadgen"), "attack", "-rate", strconv.Itoa(rate), "-duration", c.duration.String(), "-url", url, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("single run: %v\n%s", err, b)
	}
	return runrecord.Read(out)
}

var listening = regexp.MustCompile(`coordinator on (http://127\.0\.0\.1:\d+)`)

func shardedRun(c config, url string, rate int) (*runrecord.Run, error) {
	out, err := os.MkdirTemp(c.work, "sharded-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	plan := []string{"-rate", strconv.Itoa(rate), "-duration", c.duration.String(), "-url", url}
	coord := exec.Command(filepath.Join(c.bin, "loadgen"), append([]string{"coordinator", "-shards", strconv.Itoa(c.shards),
		"-listen", "127.0.0.1:0", "-out", filepath.Join(out, "merged")}, plan...)...)
	stderr, err := coord.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := coord.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(stderr)
	addr := ""
	for addr == "" && sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	go io.Copy(io.Discard, stderr)
	if addr == "" {
		coord.Wait()
		return nil, fmt.Errorf("the coordinator did not start")
	}
	var shards []*exec.Cmd
	for i := range c.shards {
		s := exec.Command(filepath.Join(c.bin, "loadgen"), append([]string{"attack", "-shard", fmt.Sprintf("%d/%d", i, c.shards),
			"-coordinator", addr, "-out", filepath.Join(out, strconv.Itoa(i))}, plan...)...)
		if err := s.Start(); err != nil {
			return nil, err
		}
		shards = append(shards, s)
	}
	for i, s := range shards {
		if err := s.Wait(); err != nil {
			return nil, fmt.Errorf("shard %d: %w", i, err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- coord.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("coordinator: %w", err)
		}
	case <-time.After(2 * time.Minute):
		coord.Process.Kill()
		return nil, fmt.Errorf("the coordinator did not finish")
	}
	return runrecord.Read(filepath.Join(out, "merged"))
}
