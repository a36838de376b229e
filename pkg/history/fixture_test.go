package history_test

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// synth describes a synthetic run record: its p99 level, how much the
// p99 of its one-second intervals moves around that level, its start.
type synth struct {
	name      string
	start     time.Time
	p99       time.Duration
	noise     float64 // relative σ of the per-interval p99
	intervals int
	labels    map[string]string
	slo       *bool
	seed      uint64
}

// writeSynth writes a run record whose latency.hlog has s.intervals
// intervals of 1000 latencies each, uniform up to a per-interval top
// chosen so that the interval's p99 is s.p99 × (1 + noise·z), and whose
// run.json summary says p99 = s.p99.
func writeSynth(t testing.TB, dir string, s synth) *runrecord.Run {
	t.Helper()
	if s.intervals == 0 {
		s.intervals = 4
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(s.seed, 11))
	f, err := os.Create(filepath.Join(dir, runrecord.LatencyLog))
	if err != nil {
		t.Fatal(err)
	}
	w := hdr.NewHistogramLogWriter(f)
	base := s.start.UnixMilli()
	base -= base % 1000
	id := runrecord.NewRunID() // the files of a record carry its id
	for _, err := range []error{w.OutputLogFormatVersion(), w.OutputComment("[RunID: " + id + "]"), w.OutputStartTime(base), w.OutputBaseTime(base), w.OutputLegend()} {
		if err != nil {
			t.Fatal(err)
		}
	}
	w.SetBaseTime(base)
	var rows []runrecord.Interval
	for i := range s.intervals {
		top := float64(s.p99) * (1 + s.noise*r.NormFloat64()) / 0.99
		startMs := base + int64(i)*1000
		// Only the intended-time series: readers take a missing service
		// or dispatch-lag series as empty.
		for _, tag := range []string{runrecord.TagLatency} {
			h := hdr.New(1000, int64(100*time.Millisecond), 3)
			for k := range 1000 {
				if err := h.RecordValue(int64(top * float64(k+1) / 1000)); err != nil {
					t.Fatal(err)
				}
			}
			h.SetTag(tag)
			h.SetStartTimeMs(startMs)
			h.SetEndTimeMs(startMs + 1000)
			if err := w.OutputIntervalHistogram(h); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, runrecord.Interval{StartMs: startMs, Completed: 1000})
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Plain writes, not runrecord's atomic ones: the fixture needs no
	// fsync, and a test that writes a hundred records should not wait on
	// the disk.
	jsonl := []byte(`{"format":"loadgen-intervals","run_id":"` + id + "\"}\n")
	for _, r := range rows {
		b, _ := json.Marshal(r)
		jsonl = append(append(jsonl, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, runrecord.IntervalsFile), jsonl, 0o644); err != nil {
		t.Fatal(err)
	}
	d := time.Duration(s.intervals) * time.Second
	run := &runrecord.Run{
		Kind: "attack", Name: s.name, Labels: s.labels,
		Host:  runrecord.Host{Hostname: "synth"},
		Start: s.start.UTC(), End: s.start.Add(d).UTC(),
		Interval: int64(time.Second),
		Summary: runrecord.Summary{
			Requests: uint64(1000 * s.intervals), SuccessRatio: 1, Rate: 1000, Throughput: 1000, Duration: d,
			Latency:        runrecord.Latency{P50: s.p99 / 2, P90: s.p99 * 9 / 10, P99: s.p99, P999: s.p99, Max: s.p99 * 101 / 100},
			ServiceLatency: runrecord.Latency{P50: s.p99 / 4, P99: s.p99 / 2},
			DispatchLag:    runrecord.Lag{P99: s.p99 / 20},
			StatusCodes:    map[string]uint64{"200": uint64(1000 * s.intervals)},
		},
	}
	if s.slo != nil {
		run.Plan.SLO = "p99<10ms"
		run.Summary.SLO = &runrecord.SLOResult{Pass: *s.slo, Checks: []runrecord.SLOCheck{{Expr: "p99<10ms", Value: float64(s.p99) / 1e6, Pass: *s.slo, Unit: "ms"}}}
	}
	run.Format, run.FormatVersion, run.RunID = runrecord.FormatName, runrecord.FormatVersion, id
	if run.Files, err = runrecord.Manifest(dir, runrecord.LatencyLog, runrecord.IntervalsFile); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, runrecord.MetaFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}
