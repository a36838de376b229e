package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/goldenrecords"
)

// flameOutput is a bytes.Buffer safe to read while the command writes.
type flameOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *flameOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *flameOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// `loadgen flame RUN` serves pprof's web UI on loopback: the flame graph
// page of a golden record's CPU profile names the target's hot function.
func TestFlameServesPprofUI(t *testing.T) {
	isolateHistory(t)
	dir := goldenrecords.Dir("collect-new") // profiled while serving /fib?n=30
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr flameOutput
	done := make(chan error, 1)
	go func() { done <- serveFlame(ctx, []string{"-http", "127.0.0.1:0", dir}, &stdout, &stderr) }()
	re := regexp.MustCompile(`http://127\.0\.0\.1:\d+/flamegraph`)
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); {
		select {
		case err := <-done:
			t.Fatalf("flame ended early: %v; %s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		url = re.FindString(stdout.String())
	}
	if url == "" {
		t.Fatalf("no URL printed: %q", stdout.String())
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s: %s", url, err, resp.Status, body)
	}
	for _, want := range []string{"stackViewer(", "demotarget.Fib"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("flame graph page lacks %q", want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("flame did not stop when its context ended")
	}
}
