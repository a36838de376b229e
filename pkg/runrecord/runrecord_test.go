package runrecord

import (
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
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
	r := &Run{Kind: "attack", Start: time.Unix(1_700_000_000, 0), Interval: int64(time.Second), Summary: Summary{Requests: 7, StatusCodes: map[string]uint64{"200": 7}}}
	r.End = r.Start
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
	if _, err := Read(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a run record") {
		t.Errorf("missing run.json: %v", err)
	}
}

func TestJSONLinesRoundTripAndLineErrors(t *testing.T) {
	dir := t.TempDir()
	rows := []Interval{{StartMs: 1000, Completed: 5}, {StartMs: 2000, Completed: 6, Errors: 1, GroupErrors: map[string]uint64{"g1": 1}}}
	if err := WriteIntervals(dir, NewRunID(), rows); err != nil {
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
		"http://bob:hunter2@h/x":                  "http://REDACTED@h/x",
		"https://ghp_T0KEN@github.com/x":          "https://REDACTED@github.com/x",
		"http://h/x?api_key=s3cret&n=1":           "http://h/x?api_key=REDACTED&n=1",
		"http://h/m?access_token=s3cret":          "http://h/m?access_token=REDACTED",
		"not a url":                               "not a url",
		"http://h/x?sig=abc&Signature=def&page=2": "http://h/x?sig=REDACTED&Signature=REDACTED&page=2",
		"http://h/s3?X-Amz-Signature=ab&X-Amz-Credential=cd&X-Amz-Date=20260101": "http://h/s3?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Date=20260101",
		"http://h/?sessionid=1&PHPSESSID=2&auth=3&pwd=4&key=5&monkey=6&author=7": "http://h/?sessionid=REDACTED&PHPSESSID=REDACTED&auth=REDACTED&pwd=REDACTED&key=REDACTED&monkey=6&author=7",
		"http://h/?client%5Fsecret=x":                                            "http://h/?client%5Fsecret=REDACTED",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRedactText: secrets inside free text, as the clients' and the
// collector's error messages quote them.
func TestRedactText(t *testing.T) {
	for in, want := range map[string]string{
		`Get "http://u:pw@127.0.0.1:1/?api_key=K&n=1": dial tcp 127.0.0.1:1: connect: connection refused`: `Get "http://REDACTED@127.0.0.1:1/?api_key=REDACTED&n=1": dial tcp 127.0.0.1:1: connect: connection refused`,
		`Post "http://h/login?token=abc": EOF`:                                       `Post "http://h/login?token=REDACTED": EOF`,
		`error when reading /path?session=zz&x=1 from h`:                             `error when reading /path?session=REDACTED&x=1 from h`,
		`HTTP 401: {"error":"bad header Bearer abc.def.ghi"}`:                        `HTTP 401: {"error":"bad header Bearer REDACTED"}`,
		`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`: `context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
		`targets.txt:3: bad URL "http://a:b@h/?secret=1 2"`:                          `targets.txt:3: bad URL "http://REDACTED@h/?secret=REDACTED 2"`,
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for _, n := range []string{"token", "api_key", "apiKey", "ApiKey", "x-api-key", "access_token", "X-Amz-Signature", "X-Goog-Signature", "sig", "secret", "client_secret", "password", "passwd", "pwd", "auth", "Authorization", "sessionid", "session_id", "PHPSESSID", "JSESSIONID", "jwt", "X-Amz-Security-Token", "private_key", "AccessKeyId", "sessionKey"} {
		if !IsSecretName(n) {
			t.Errorf("%q not taken for a secret", n)
		}
	}
	for _, n := range []string{"page", "n", "monkey", "author", "signal", "keepalive", "Content-Type", "X-Vegeta-Seq", "Accept", "passage", "code", "design"} {
		if IsSecretName(n) {
			t.Errorf("%q taken for a secret", n)
		}
	}
}
