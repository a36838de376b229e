package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// runMainEnv makes the test binary run loadgen's main (TestMain).
const runMainEnv = "LOADGEN_TEST_RUN_MAIN"

// TestSIGTERMWritesTheRecord: SIGTERM (what Kubernetes and systemd send)
// stops an attack as a first Ctrl-C does: the record is whole, says it
// was interrupted, and reads back.
func TestSIGTERMWritesTheRecord(t *testing.T) {
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "term")
	cmd := exec.Command(os.Args[0], "attack", "-rate", "20", "-duration", "30s", "-url", srv.URL+"/hello", "-out", out)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running a minute after SIGTERM:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	r, err := runrecord.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Interrupted || r.Summary.Requests == 0 {
		t.Errorf("interrupted %v, %d requests: want an interrupted run with requests", r.Interrupted, r.Summary.Requests)
	}
}
