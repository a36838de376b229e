package runrecord

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func ex(intervalMs int64, lat time.Duration, trace string) Exemplar {
	return Exemplar{IntervalMs: intervalMs, Intended: time.UnixMilli(intervalMs).UTC(), Latency: lat, TraceID: trace}
}

// Merging shards keeps, per interval, the k slowest of the union.
func TestMergeExemplars(t *testing.T) {
	a := []Exemplar{ex(1000, 9*time.Millisecond, "a1"), ex(1000, 5*time.Millisecond, "a2"), ex(2000, 1*time.Millisecond, "a3")}
	b := []Exemplar{ex(1000, 7*time.Millisecond, "b1"), ex(1000, 6*time.Millisecond, "b2"), ex(3000, 2*time.Millisecond, "b3")}
	got := MergeExemplars(2, a, b)
	want := []string{"a1", "b1", "a3", "b3"}
	if len(got) != len(want) {
		t.Fatalf("merged %d, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].TraceID != w {
			t.Errorf("merged[%d] = %s, want %s", i, got[i].TraceID, w)
		}
	}
	top := TopExemplars(append(a, b...), 3)
	if top[0].TraceID != "a1" || top[1].TraceID != "b1" || top[2].TraceID != "b2" {
		t.Errorf("top 3: %+v", top)
	}
}

// exemplars.jsonl round-trips, and a missing file reads as none.
func TestExemplarsFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if got, err := ReadExemplars(dir); err != nil || got != nil {
		t.Fatalf("missing file: %v, %v", got, err)
	}
	var buf bytes.Buffer
	sampled := true
	in := []Exemplar{{IntervalMs: 1000, Intended: time.UnixMilli(900).UTC(), Latency: time.Second, Status: 503,
		Error: "503 Service Unavailable", Target: "GET http://127.0.0.1/?q=<a>&b", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Sampled: &sampled}}
	ew, err := NewExemplarWriter(&buf, NewRunID())
	if err != nil {
		t.Fatal(err)
	}
	if err := ew.Write(in); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(`\u003c`)) {
		t.Errorf("file escapes HTML: %s", buf.Bytes())
	}
	if err := os.WriteFile(filepath.Join(dir, ExemplarsFile), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExemplars(dir)
	if err != nil || len(got) != 1 || got[0].Target != in[0].Target || !got[0].Intended.Equal(in[0].Intended) || *got[0].Sampled != true {
		t.Fatalf("read back %+v, %v", got, err)
	}
}
