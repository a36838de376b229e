package runrecord

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The readers take files from anywhere (a record copied from another
// machine, a half-written directory, a hand-edited file): whatever the
// bytes, they return an error or a value, never panic, and what they
// accept survives a write and a read unchanged. Seeds are the golden
// records under the module's testdata/records.

// seed adds every file called name under testdata/records to the corpus.
func seed(f *testing.F, name string) {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "records", "*", name))
	steps, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "records", "*", "steps", "*", name))
	for _, p := range append(paths, steps...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if len(paths) == 0 {
		f.Fatalf("no golden %s to seed from", name)
	}
}

// inDir writes b as name in a fresh directory.
func inDir(t *testing.T, name string, b []byte) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func FuzzReadRun(f *testing.F) {
	seed(f, MetaFile)
	f.Add([]byte(`{"format_version": 99}`))
	f.Add([]byte(`{"summary": {"latency": {"p99": -1}}, "interval": "x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Read(inDir(t, MetaFile, b))
		if err != nil {
			return
		}
		out := t.TempDir()
		if err := Write(out, r); err != nil {
			t.Fatal(err)
		}
		back, err := Read(out)
		if err != nil {
			t.Fatalf("a record that read once does not read back: %v", err)
		}
		if r.FormatVersion == 0 {
			r.FormatVersion = FormatVersion // Write stamps it
		}
		if !reflect.DeepEqual(r, back) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, back)
		}
	})
}

func FuzzReadIntervals(f *testing.F) {
	seed(f, IntervalsFile)
	f.Add([]byte("{}\n\n{\"start_ms\": 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadIntervals(inDir(t, IntervalsFile, b))
		if err != nil || len(rows) == 0 {
			return
		}
		out := t.TempDir()
		if err := WriteIntervals(out, rows); err != nil {
			t.Fatal(err)
		}
		back, err := ReadIntervals(out)
		if err != nil || !reflect.DeepEqual(rows, back) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, rows, back)
		}
	})
}

func FuzzReadTargetSamples(f *testing.F) {
	seed(f, TargetFile)
	f.Add([]byte(`{"t": 1, "cpu_percent": 1e308, "gc_pauses": [1, -2]}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadTargetSamples(inDir(t, TargetFile, b))
		if err != nil || len(rows) == 0 {
			return
		}
		out := t.TempDir()
		if err := WriteTargetSamples(out, rows); err != nil {
			t.Fatal(err)
		}
		back, err := ReadTargetSamples(out)
		if err != nil || !reflect.DeepEqual(rows, back) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, rows, back)
		}
	})
}

// The latency log reader (hdrhistogram-go's log reader underneath) returns
// intervals or an error for any bytes, and the series it returns are whole
// histograms.
func FuzzHlogReader(f *testing.F) {
	seed(f, LatencyLog)
	f.Add([]byte("#[StartTime: 1.000 (seconds since epoch)]\n1.000,1.000,1.000,HISTFAAAAB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lr := NewHlogReader(bytes.NewReader(b), LatencyLog)
		for range 10000 {
			start, end, s, err := lr.Next()
			if errors.Is(err, io.EOF) || err != nil {
				return
			}
			if s.Latency == nil || s.Service == nil || s.Lag == nil {
				t.Fatalf("interval %d..%d with a missing series", start, end)
			}
		}
	})
}

func FuzzReadExemplars(f *testing.F) {
	f.Add([]byte(`{"t":1796029764000,"intended":"2026-11-30T09:09:24.850251591Z","latency":52926867,"service_latency":52751568,"dispatch_lag":175299,"status":200,"target":"GET http://127.0.0.1:44613/stall?every=10&ms=50","trace_id":"72fd159f8a503ef68f8a3994f109ec13","sampled":true,"seq":9}` + "\n"))
	f.Add([]byte(`{"t":1,"intended":"2026-11-30T10:00:00+01:00","latency":1,"status":0,"error":"read: <x>","target":"","seq":0}` + "\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ReadExemplars(inDir(t, ExemplarsFile, b))
		if err != nil || len(rows) == 0 {
			return
		}
		var buf bytes.Buffer
		if err := NewExemplarWriter(&buf).Write(rows); err != nil {
			return // a time outside JSON's years, say: refused, not a panic
		}
		back, err := ReadExemplars(inDir(t, ExemplarsFile, buf.Bytes()))
		if err != nil {
			t.Fatalf("read back what was written: %v\n%s", err, buf.Bytes())
		}
		var again bytes.Buffer
		if err := NewExemplarWriter(&again).Write(back); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatalf("round trip: %v\n%s\n%s", err, buf.Bytes(), again.Bytes())
		}
		_ = TopExemplars(rows, 3)
		_ = MergeExemplars(2, rows, back)
	})
}
