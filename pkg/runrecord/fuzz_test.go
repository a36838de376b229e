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
// accept survives a write and a read unchanged. A run.json they refuse is
// refused as not a record (ErrNotRecord, naming the file); one they accept
// is in range (Validate). Seeds are the golden records under the module's
// testdata/records.

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
	for _, s := range []string{"{}", "null", "[]", `{"format":"loadgen-run","format_version":2}`, `{"format_version":1,"kind":"attack"}`, `"x"`, "1e999", "{} {}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Read(inDir(t, MetaFile, b))
		if err != nil {
			if !errors.Is(err, ErrNotRecord) {
				t.Fatalf("refused, but not as a record error: %v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("read, then out of range: %v", err)
		}
		out := t.TempDir()
		if err := Write(out, r); err != nil {
			t.Fatal(err)
		}
		back, err := Read(out)
		if err != nil {
			t.Fatalf("a record that read once does not read back: %v", err)
		}
		// Write stamped r with the current format (and a run id, if a
		// version 1 record had none): back must be exactly r.
		if !reflect.DeepEqual(r, back) {
			t.Fatalf("round trip changed the record:\n%+v\n%+v", r, back)
		}
	})
}

func FuzzReadIntervals(f *testing.F) {
	seed(f, IntervalsFile)
	f.Add([]byte("{}\n\n{\"start_ms\": 1}\n"))
	f.Add([]byte("{\"format\":\"loadgen-intervals\",\"run_id\":\"00\"}\n{\"t\":1,\"n\":2,\"errors\":0}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := inDir(t, IntervalsFile, b)
		_, _ = readJSONLHeader(filepath.Join(dir, IntervalsFile))
		rows, err := ReadIntervals(dir)
		if err != nil || len(rows) == 0 {
			return
		}
		out := t.TempDir()
		if err := WriteIntervals(out, NewRunID(), rows); err != nil {
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
		if err := WriteTargetSamples(out, NewRunID(), rows); err != nil {
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
	f.Add([]byte("#[RunID: 0123]\n#[StartTime: 1]\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n0.0,1.0,1.0,HISTFAAAAB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The header check (a log cut inside its header is refused) reads
		// any bytes too.
		_ = checkHlogHeader(inDir(t, LatencyLog, b))
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
		const id = "0123456789abcdef0123456789abcdef"
		write := func(buf *bytes.Buffer, rows []Exemplar) error {
			ew, err := NewExemplarWriter(buf, id)
			if err != nil {
				return err
			}
			return ew.Write(rows)
		}
		var buf bytes.Buffer
		if err := write(&buf, rows); err != nil {
			return // a time outside JSON's years, say: refused, not a panic
		}
		back, err := ReadExemplars(inDir(t, ExemplarsFile, buf.Bytes()))
		if err != nil {
			t.Fatalf("read back what was written: %v\n%s", err, buf.Bytes())
		}
		var again bytes.Buffer
		if err := write(&again, back); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
			t.Fatalf("round trip: %v\n%s\n%s", err, buf.Bytes(), again.Bytes())
		}
		_ = TopExemplars(rows, 3)
		_ = MergeExemplars(2, rows, back)
	})
}
