package collect

import (
	"bufio"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The PID side: a non-Go process (Python's http.server) started by the
// test, loaded, and sampled from /proc.
func TestPIDOfPythonServer(t *testing.T) {
	t.Parallel() // no CPU profile of this process: may overlap the others
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	cmd := exec.Command(py, "-u", "-m", "http.server", "--bind", "127.0.0.1", "0")
	cmd.Dir = t.TempDir()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`port (\d+)`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
				break
			}
		}
		for sc.Scan() {
		}
	}()
	var url string
	select {
	case p := <-port:
		url = "http://127.0.0.1:" + p + "/"
	case <-time.After(time.Minute): // a generous wait: a busy machine starts python slowly
		t.Fatal("python http.server did not start")
	}

	cfg := Config{PID: cmd.Process.Pid, Interval: 500 * time.Millisecond, Baseline: 500 * time.Millisecond}
	sum, dir := collectDuring(t, cfg, time.Second, func() {
		if n := load(t, url, 100, time.Second); n == 0 {
			t.Error("no request to python succeeded")
		}
	})
	t.Logf("summary %+v extra %+v", *sum, *sum.Extra)
	if sum.CPUPercent.Mean <= 0 || sum.RSSBytes.Mean <= 0 || sum.RSSBytes.Max < sum.RSSBytes.Mean {
		t.Errorf("cpu %+v rss %+v", sum.CPUPercent, sum.RSSBytes)
	}
	if sum.Extra == nil || sum.Extra.Threads.Max < 1 || sum.Extra.OpenFDs.Max < 3 {
		t.Errorf("extra %+v", sum.Extra)
	}
	if sum.GCPause.Count != 0 || sum.Goroutines.Max != 0 {
		t.Errorf("Go figures for a Python process: %+v", sum)
	}
	for _, w := range sum.Warnings {
		if !strings.Contains(w, "slower than the 500ms interval") { // a busy machine's, not a failure
			t.Errorf("warning %q", w)
		}
	}
	rows, err := readRows(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := false
	for _, r := range rows {
		ctx = ctx || r.CtxSwitch != nil && *r.CtxSwitch > 0
	}
	if !ctx {
		t.Error("no context switches in the timeline")
	}

	// Once the process is gone, readings fail with a plain message.
	cmd.Process.Kill()
	cmd.Wait()
	s := &procSource{pid: cmd.Process.Pid, fs: mustFS(t)}
	if err := s.Sample(t.Context(), &Reading{}); err == nil || !regexp.MustCompile(`not running`).MatchString(err.Error()) {
		t.Errorf("sampling a dead process: %v", err)
	}
	if _, err := New(Config{PID: cmd.Process.Pid}); err == nil {
		t.Error("New accepted a dead pid")
	}
}
