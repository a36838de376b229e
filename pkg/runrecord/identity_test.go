package runrecord

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// writeRecord makes a small, real run record in dir: a latency log,
// intervals, a target timeline and a profile, all of one run, sealed.
func writeRecord(t *testing.T, dir string) *Run {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, ProfilesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	id := NewRunID()
	start := time.Unix(1_700_000_000, 0).UTC()
	var log bytes.Buffer
	w := NewHlogWriter(&log, id)
	s := NewSeries(int64(time.Hour))
	for i := range int64(3) {
		s.Reset()
		for range 10 {
			RecordClamped(s.Latency, time.Millisecond)
			RecordClamped(s.Service, time.Millisecond)
			RecordClamped(s.Lag, time.Microsecond)
		}
		ms := start.UnixMilli() + i*1000
		if err := w.WriteInterval(ms, ms+1000, s); err != nil {
			t.Fatal(err)
		}
	}
	cpu := 12.5
	for _, err := range []error{
		WriteFile(filepath.Join(dir, LatencyLog), log.Bytes()),
		WriteIntervals(dir, id, []Interval{{StartMs: start.UnixMilli(), Completed: 10}, {StartMs: start.UnixMilli() + 1000, Completed: 10}, {StartMs: start.UnixMilli() + 2000, Completed: 10}}),
		WriteTargetSamples(dir, id, []TargetSample{{TimeMs: start.UnixMilli() + 1000, CPUPercent: &cpu}}),
		WriteFile(filepath.Join(dir, ProfilesDir, ProfileCPU), []byte("a profile")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := &Run{RunID: id, Kind: KindAttack, Start: start, End: start.Add(3 * time.Second), Interval: int64(time.Second),
		Summary: Summary{Requests: 30, SuccessRatio: 1, Duration: 3 * time.Second, StatusCodes: map[string]uint64{"200": 30},
			Latency: Latency{Min: time.Millisecond, P50: time.Millisecond, P99: time.Millisecond, Max: time.Millisecond}}}
	if err := Seal(dir, r, LatencyLog, IntervalsFile, TargetFile, ProfilesDir+"/"+ProfileCPU, "never-written.txt"); err != nil {
		t.Fatal(err)
	}
	return r
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func editJSON(t *testing.T, dir string, edit func(string) string) {
	t.Helper()
	p := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesWhatIsNotThisRecord: run.json that is no record of
// loadgen's, values out of range, foreign, mixed, changed or missing
// files: each is refused with the file it is about and what is wrong.
func TestOpenRefusesWhatIsNotThisRecord(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good")
	run := writeRecord(t, good)
	if _, err := Open(good); err != nil {
		t.Fatalf("a good record: %v", err)
	}
	if len(run.Files) != 4 {
		t.Fatalf("manifest %+v, want the 4 files written", run.Files)
	}
	other := filepath.Join(t.TempDir(), "other")
	writeRecord(t, other)

	for _, tc := range []struct {
		name  string
		spoil func(dir string)
		file  string // the file the error names
		want  string
	}{
		{"empty object", func(d string) { os.WriteFile(filepath.Join(d, MetaFile), []byte("{}"), 0o644) }, MetaFile, "not a loadgen run record"},
		{"null", func(d string) { os.WriteFile(filepath.Join(d, MetaFile), []byte("null"), 0o644) }, MetaFile, "not a loadgen run record"},
		{"another tool's JSON", func(d string) {
			os.WriteFile(filepath.Join(d, MetaFile), []byte(`{"name":"k6","metrics":{"http_reqs":{"count":5}}}`), 0o644)
		}, MetaFile, "not a loadgen run record"},
		{"not JSON", func(d string) { os.WriteFile(filepath.Join(d, MetaFile), []byte("<html>"), 0o644) }, MetaFile, "not the JSON it should be"},
		{"two documents", func(d string) { editJSON(t, d, func(s string) string { return s + s }) }, MetaFile, "more than one JSON value"},
		{"negative duration", func(d string) {
			editJSON(t, d, func(s string) string { return strings.Replace(s, `"duration": 3000000000`, `"duration": -5`, 1) })
		}, MetaFile, "summary: duration is negative"},
		{"percentiles out of order", func(d string) {
			editJSON(t, d, func(s string) string { return strings.Replace(s, `"max": 1000000`, `"max": 10`, 1) })
		}, MetaFile, "latency.max"},
		{"success over 1", func(d string) {
			editJSON(t, d, func(s string) string { return strings.Replace(s, `"success_ratio": 1`, `"success_ratio": 1.5`, 1) })
		}, MetaFile, "success_ratio 1.5"},
		{"ends before it starts", func(d string) {
			editJSON(t, d, func(s string) string {
				return strings.Replace(s, `"end": "2023-11-14T22:13:23Z"`, `"end": "2020-01-01T00:00:00Z"`, 1)
			})
		}, MetaFile, "before it starts"},
		{"bad run id", func(d string) {
			editJSON(t, d, func(s string) string { return strings.Replace(s, `"run_id": "`, `"run_id": "x`, 1) })
		}, MetaFile, "is not a run id"},
		{"a file outside the record", func(d string) {
			editJSON(t, d, func(s string) string {
				return strings.Replace(s, `"name": "intervals.jsonl"`, `"name": "../intervals.jsonl"`, 1)
			})
		}, MetaFile, "is not a file name inside the record"},
		{"stray profile", func(d string) { os.WriteFile(filepath.Join(d, ProfilesDir, ProfileHeap), []byte("x"), 0o644) }, "profiles/heap.pb.gz", "does not list it"},
		{"another run's timeline", func(d string) {
			b, _ := os.ReadFile(filepath.Join(other, TargetFile))
			os.WriteFile(filepath.Join(d, TargetFile), b, 0o644)
		}, TargetFile, "belongs to run"},
		{"another run's latency log", func(d string) {
			b, _ := os.ReadFile(filepath.Join(other, LatencyLog))
			os.WriteFile(filepath.Join(d, LatencyLog), b, 0o644)
		}, LatencyLog, "belongs to run"},
		{"latency log cut in its header", func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, LatencyLog))
			os.WriteFile(filepath.Join(d, LatencyLog), b[:40], 0o644)
		}, LatencyLog, "run id"},
		{"latency log cut short", func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, LatencyLog))
			os.WriteFile(filepath.Join(d, LatencyLog), b[:len(b)-100], 0o644)
		}, LatencyLog, "changed after the run"},
		{"changed profile", func(d string) {
			os.WriteFile(filepath.Join(d, ProfilesDir, ProfileCPU), []byte("another profile"), 0o644)
		}, "profiles/cpu.pb.gz", "changed after the run"},
		{"missing intervals", func(d string) { os.Remove(filepath.Join(d, IntervalsFile)) }, IntervalsFile, "is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			copyDir(t, good, dir)
			tc.spoil(dir)
			_, err := Open(dir)
			var re *RecordError
			if !errors.Is(err, ErrNotRecord) || !errors.As(err, &re) {
				t.Fatalf("Open: %v, want a *RecordError", err)
			}
			if re.Path != filepath.Join(dir, filepath.FromSlash(tc.file)) || !strings.Contains(re.Problem, tc.want) {
				t.Errorf("error %q, want it about %s saying %q", err, tc.file, tc.want)
			}
		})
	}
}

// TestLegacyRecordStillReads: a record from before run ids (format 1) is
// still a record; a cut latency log header is the one thing checkable.
func TestLegacyRecordStillReads(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, MetaFile), []byte(`{"format_version":1,"kind":"attack","start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:10Z","interval":1000000000,"summary":{"requests":0}}`), 0o644)
	if _, err := Open(dir); err != nil {
		t.Fatalf("legacy record: %v", err)
	}
	os.WriteFile(filepath.Join(dir, LatencyLog), []byte("#[Histogram log format version 1.3]\n#[StartTime: 17"), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrNotRecord) || !strings.Contains(err.Error(), "cut inside its header") {
		t.Errorf("cut header: %v", err)
	}
}

// The latency log's header names its run, and the reference readers
// still read the log.
func TestHlogCarriesRunID(t *testing.T) {
	dir := t.TempDir()
	r := writeRecord(t, dir)
	id, err := hlogRunID(filepath.Join(dir, LatencyLog))
	if err != nil || id != r.RunID {
		t.Fatalf("run id %q, %v; want %q", id, err, r.RunID)
	}
	f, _ := os.Open(filepath.Join(dir, LatencyLog))
	defer f.Close()
	lr := hdr.NewHistogramLogReader(f)
	n := 0
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		n++
	}
	if n != 9 {
		t.Errorf("%d histograms read, want 9", n)
	}
}
