package coordinator

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func testPlan(t *testing.T, rate string, hdr http.Header) Plan {
	t.Helper()
	tg, err := attack.TargetsFromURLs([]string{"http://127.0.0.1:1/a"}, "GET", hdr, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attack.ParseRate(rate)
	if err != nil {
		t.Fatal(err)
	}
	o := attack.DefaultOptions()
	o.Duration = 10 * time.Second
	return PlanOf(tg, s, o, time.Second, 4)
}

func TestPlanDiffNamesWhatDiffers(t *testing.T) {
	a, b := testPlan(t, "2500/s", nil), testPlan(t, "2000/s", nil)
	if d := a.Diff(a); len(d) != 0 || a.Hash() != testPlan(t, "2500/s", nil).Hash() {
		t.Fatalf("a plan differs from itself: %v", d)
	}
	d := b.Diff(a)
	if len(d) != 1 || d[0] != "schedule: constant 2000/1s here, constant 2500/1s at the coordinator" || a.Hash() == b.Hash() {
		t.Fatalf("diff %q", d)
	}
	b.Shards, b.Schedule = 8, a.Schedule
	if d := b.Diff(a); len(d) != 1 || !strings.HasPrefix(d[0], "shards: 8 here, 4") {
		t.Fatalf("diff %q", d)
	}
	// Another header value is another plan; another credential is not.
	h := testPlan(t, "2500/s", http.Header{"Accept": {"text/plain"}})
	if d := h.Diff(a); len(d) != 1 || !strings.HasPrefix(d[0], "targets (method, URL, headers or body)") {
		t.Fatalf("diff %q", d)
	}
	s1 := testPlan(t, "2500/s", http.Header{"Authorization": {"Bearer one"}})
	s2 := testPlan(t, "2500/s", http.Header{"Authorization": {"Bearer two"}})
	if d := s1.Diff(s2); len(d) != 0 {
		t.Fatalf("secret values changed the plan: %q", d)
	}
	b1 := []vegeta.Target{{Method: "POST", URL: "http://127.0.0.1:1/", Body: []byte("a")}}
	b2 := []vegeta.Target{{Method: "POST", URL: "http://127.0.0.1:1/", Body: []byte("b")}}
	if targetsHash(b1) == targetsHash(b2) {
		t.Fatal("bodies do not change the targets hash")
	}
}

func TestClockSample(t *testing.T) {
	// The coordinator's clock is 5 ms ahead; 1 ms each way, 0.2 ms inside.
	s := clockSample{t0: 1_000_000, t1: 1_000_000 + 1e6 + 5e6, t2: 1_000_000 + 1.2e6 + 5e6, t3: 1_000_000 + 2.2e6}
	if s.offset() != 5*time.Millisecond || s.rtt() != 2*time.Millisecond {
		t.Fatalf("offset %s rtt %s, want 5ms, 2ms", s.offset(), s.rtt())
	}
	slow := clockSample{t0: 0, t1: 9e6, t2: 9e6, t3: 10e6}
	best, _ := bestSample([]clockSample{slow, s, slow})
	if best != s {
		t.Fatalf("best sample %+v, want the shortest round trip", best)
	}
	at := time.Now().Add(time.Second)
	if got := localInstant(at.UnixNano(), 5*time.Millisecond); got.Sub(at).Round(time.Microsecond) != -5*time.Millisecond {
		t.Fatalf("local instant off by %s", got.Sub(at))
	}
}

func TestShareOf(t *testing.T) {
	for _, c := range []struct{ hits, shard, shards, want uint64 }{
		{10, 0, 4, 3}, {10, 1, 4, 3}, {10, 2, 4, 2}, {10, 3, 4, 2}, {0, 0, 4, 0}, {3, 3, 4, 0}, {7, 0, 1, 7},
	} {
		if got := shareOf(c.hits, c.shard, c.shards); got != c.want {
			t.Errorf("shareOf(%d, %d, %d) = %d, want %d", c.hits, c.shard, c.shards, got, c.want)
		}
	}
}

func writeRecord(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := runrecord.Write(dir, &runrecord.Run{Kind: "attack", Shard: &runrecord.Shard{Index: 1, Count: 2}}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{runrecord.LatencyLog: "#[StartTime: 1]\n", "profiles/cpu.pb.gz": "x", runrecord.ReportFile: "<html>"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPackUnpack(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "r")
	writeRecord(t, src)
	var buf bytes.Buffer
	if err := packRecord(&buf, src); err != nil {
		t.Fatal(err)
	}
	if err := unpackRecord(bytes.NewReader(buf.Bytes()), dst, 1<<20); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{runrecord.MetaFile, runrecord.LatencyLog, "profiles/cpu.pb.gz"} {
		if _, err := os.Stat(filepath.Join(dst, f)); err != nil {
			t.Errorf("%s missing after the round trip: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, runrecord.ReportFile)); err == nil {
		t.Error("report.html was uploaded; the coordinator renders its own")
	}
}

// An upload can neither escape its directory nor be anything but files.
func TestUnpackRefusesHostileArchives(t *testing.T) {
	archive := func(hs ...*tar.Header) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		for _, h := range hs {
			tw.WriteHeader(h)
			tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
		}
		tw.Close()
		zw.Close()
		return buf.Bytes()
	}
	meta := &tar.Header{Name: "run.json", Typeflag: tar.TypeReg, Size: 2, Mode: 0o644}
	for name, b := range map[string][]byte{
		"dot-dot":  archive(meta, &tar.Header{Name: "../evil", Typeflag: tar.TypeReg, Size: 1}),
		"absolute": archive(meta, &tar.Header{Name: "/tmp/evil", Typeflag: tar.TypeReg, Size: 1}),
		"symlink":  archive(meta, &tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}),
		"too big":  archive(meta, &tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: 2000}),
		"no meta":  archive(&tar.Header{Name: "latency.hlog", Typeflag: tar.TypeReg, Size: 1}),
		"not gzip": []byte("plain"),
	} {
		dir := filepath.Join(t.TempDir(), "r")
		if err := unpackRecord(bytes.NewReader(b), dir, 1000); !errors.Is(err, errBadArchive) {
			t.Errorf("%s: got %v, want errBadArchive", name, err)
		}
	}
}

// A second shard with a taken index is refused; the first keeps it.
func TestDuplicateShardRefused(t *testing.T) {
	p := testPlan(t, "100/s", nil)
	sched, _ := attack.ParseRate("100/s")
	c, err := New(Config{Plan: p, Schedule: sched, Duration: time.Second, Out: t.TempDir(), BarrierTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Run(ctx, ln); done <- err }()
	url := "http://" + ln.Addr().String()
	cfg := ShardConfig{URL: url, Index: 1, Plan: p, Host: "a", JoinTimeout: 10 * time.Second}
	if _, err := Join(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Host = "b"
	_, err = Join(ctx, cfg)
	var rf *RefusedError
	if !errors.As(err, &rf) || rf.Code != codeDuplicate || !strings.Contains(err.Error(), "already registered from a") {
		t.Fatalf("second shard 1: %v; want a refusal naming the first", err)
	}
	bad := cfg
	bad.Index = 4
	if _, err := Join(ctx, bad); !errors.As(err, &rf) || rf.Code != codeBadShard {
		t.Fatalf("shard 4 of 4: %v; want refused", err)
	}
	if st := c.Status(); !st.Shards[1].Registered || st.Shards[1].Host != "a" || st.Started {
		t.Fatalf("status %+v", st)
	}
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "0, 2, 3") {
		t.Fatalf("Run after cancel: %v; want the missing shards named", err)
	}
}
