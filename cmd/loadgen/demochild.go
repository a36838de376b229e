package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// demoChild is the demo target running as a child process (this binary's
// `target` command), so that what the collector measures (process CPU,
// RSS, GC, the CPU profile) is the target's alone and not the generator's.
type demoChild struct {
	URL, AdminURL string
	cmd           *exec.Cmd
	stderr        *lockedBuffer
	exited        chan struct{}
}

// startDemoChild starts `loadgen target` on free loopback ports, with its
// admin endpoints on a separate port, and reads the addresses it chose.
// With spans set, the target records its server spans there.
func startDemoChild(ctx context.Context, spans string) (*demoChild, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("demo target: finding this program: %w", err)
	}
	args := []string{"target", "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0",
		// The demo shows every profile the collector can take.
		"-mutex-fraction", "10", "-block-rate", "100000"}
	if spans != "" {
		args = append(args, "-spans", spans)
	}
	cmd := exec.Command(self, args...)
	setChildAttrs(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("demo target: %w", err)
	}
	c := &demoChild{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("demo target: %w", err)
	}
	go func() { cmd.Wait(); close(c.exited) }()

	// `loadgen target` prints "demo target on URL (...)" then "admin: URL/debug/pprof/ ...".
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "demo target on "); ok {
				c.URL, _, _ = strings.Cut(rest, " ")
			}
			if rest, ok := strings.CutPrefix(line, "admin: "); ok {
				first, _, _ := strings.Cut(rest, " ")
				c.AdminURL = strings.TrimSuffix(first, "/debug/pprof/")
				found <- nil
				io.Copy(io.Discard, out) // keep the pipe drained
				return
			}
		}
		found <- errors.New("it exited before saying where it listens")
	}()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case err = <-found:
	case <-timer.C:
		err = errors.New("it did not start within 10s")
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil && (c.URL == "" || c.AdminURL == "") {
		err = errors.New("could not read its addresses")
	}
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("demo target (%s target): %w%s", self, err, c.stderrNote())
	}
	return c, nil
}

// Pid is the child's process id.
func (c *demoChild) Pid() int { return c.cmd.Process.Pid }

// Stop asks the target to shut down, then kills it if it lingers.
func (c *demoChild) Stop() {
	c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
	}
}

func (c *demoChild) stderrNote() string {
	s := strings.TrimSpace(c.stderr.String())
	if s == "" {
		return ""
	}
	return ": " + s
}

// lockedBuffer is a bytes.Buffer safe for the exec copier and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
