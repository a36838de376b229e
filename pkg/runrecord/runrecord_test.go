package runrecord

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAtomicFileInvisibleUntilCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.json")
	f, err := CreateAtomic(path)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("partial")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file visible before commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if string(b) != "partial" || len(entries) != 1 {
		t.Fatalf("content %q, %d entries", b, len(entries))
	}
	g, _ := CreateAtomic(filepath.Join(dir, "y"))
	g.Discard()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("discard left %d entries", len(entries))
	}
}

func TestRunRoundTripAndVersion(t *testing.T) {
	dir := t.TempDir()
	r := &Run{Kind: "attack", Summary: Summary{Requests: 7, StatusCodes: map[string]uint64{"200": 7}}}
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	back, err := Read(dir)
	if err != nil || back.Summary.Requests != 7 || back.FormatVersion != FormatVersion {
		t.Fatalf("%+v %v", back, err)
	}
	os.WriteFile(filepath.Join(dir, MetaFile), []byte(`{"format_version": 99}`), 0o644)
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer format accepted: %v", err)
	}
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not a run record") {
		t.Errorf("missing run.json: %v", err)
	}
}

func TestJSONLinesRoundTripAndLineErrors(t *testing.T) {
	dir := t.TempDir()
	rows := []Interval{{StartMs: 1000, Completed: 5}, {StartMs: 2000, Completed: 6, Errors: 1, GroupErrors: map[string]uint64{"g1": 1}}}
	if err := WriteIntervals(dir, rows); err != nil {
		t.Fatal(err)
	}
	back, err := ReadIntervals(dir)
	if err != nil || len(back) != 2 || !reflect.DeepEqual(back, rows) {
		t.Fatalf("%+v %v", back, err)
	}
	os.WriteFile(filepath.Join(dir, TargetFile), []byte("{\"t\":1}\n{bad\n"), 0o644)
	if _, err := ReadTargetSamples(dir); err == nil || !strings.Contains(err.Error(), "target.jsonl:2:") {
		t.Errorf("bad line error %v, want it to name line 2", err)
	}
	if rows, err := ReadTargetSamples(t.TempDir()); rows != nil || err != nil {
		t.Errorf("missing timeline: %v %v", rows, err)
	}
}

func TestRedact(t *testing.T) {
	h := Redact(http.Header{"Authorization": {"Bearer x"}, "Cookie": {"a"}, "X-Api-Token": {"t"}, "Accept": {"*/*"}})
	for _, k := range []string{"Authorization", "Cookie", "X-Api-Token"} {
		if h.Get(k) != "REDACTED" {
			t.Errorf("%s = %q", k, h.Get(k))
		}
	}
	if h.Get("Accept") != "*/*" {
		t.Errorf("Accept redacted")
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "a", "b")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if err := CheckWritable(filepath.Join(file, "sub")); err == nil {
		t.Error("directory under a regular file accepted")
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/x?n=1&b=2":         "http://127.0.0.1:8080/x?n=1&b=2", // untouched, byte for byte
		"http://bob:hunter2@h/x":                  "http://bob:xxxxx@h/x",
		"http://h/x?api_key=s3cret&n=1":           "http://h/x?api_key=REDACTED&n=1",
		"http://h/m?access_token=s3cret":          "http://h/m?access_token=REDACTED",
		"not a url":                               "not a url",
		"http://h/x?sig=abc&Signature=def&page=2": "http://h/x?Signature=REDACTED&page=2&sig=REDACTED",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
