package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// -output writes a result stream that vegeta v12.13.0 reads: its library
// decoder here, and its own binary (report, encode, plot) when `go run
// ./bench -install` put one on PATH.
func TestOutputReadsWithVegeta(t *testing.T) {
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tmp := t.TempDir()
	res, rec := filepath.Join(tmp, "results.bin"), filepath.Join(tmp, "run")
	var out, errb bytes.Buffer
	if code := run([]string{"attack", "-rate", "40", "-duration", "1s", "-url", srv.URL + "/hello", "-url", srv.URL + "/fib?n=10",
		"-output", res, "-out", rec}, &out, &errb); code != 0 {
		t.Fatalf("attack exited %d: %s", code, errb.String())
	}
	r, err := runrecord.Read(rec)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(res)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var m vegeta.Metrics
	urls := map[string]int{}
	for {
		var vr vegeta.Result
		if err := dec.Decode(&vr); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("vegeta's decoder: %v", err)
		}
		m.Add(&vr)
		urls[vr.URL]++
	}
	m.Close()
	if m.Requests != r.Summary.Requests || m.Requests != 40 || m.Success != 1 || len(urls) != 2 {
		t.Fatalf("vegeta read %d requests (success %.2f, urls %v); the run record says %d", m.Requests, m.Success, urls, r.Summary.Requests)
	}

	bin, err := exec.LookPath("vegeta")
	if err != nil {
		t.Skip("no vegeta binary on PATH (go run ./bench -install puts v12.13.0 in GOBIN): checked with vegeta's library decoder only")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", res}, `Requests\s+\[total, rate, throughput\]\s+40,`},
		{[]string{"report", "-type", "hist[0,1s]", res}, `\[0s,\s+1s\]\s+40\s`},
		{[]string{"encode", "-to", "json", res}, `"code":200`},
		{[]string{"plot", res}, `<html`},
	} {
		cmd := exec.Command(bin, c.args...)
		got, err := cmd.CombinedOutput()
		if err != nil || !regexp.MustCompile(c.want).Match(got) {
			t.Errorf("vegeta %s: %v\n%s\nwant a match for %s", strings.Join(c.args, " "), err, got, c.want)
		}
	}
}
