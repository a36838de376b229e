package report_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// hourRecord writes a run record of a one-hour attack (1 s intervals, 50
// responses each, a latency spike every ten minutes) through the real
// Recorder, with a one-hour target timeline and a real CPU profile (of
// this process writing the record).
func hourRecord(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "hour")
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		b.Fatal(err)
	}
	writeSynthetic(b, dir, synthetic{secs: 3600, perSec: 50, latency: time.Millisecond, cpu: 40, seed: 1})
	pprof.StopCPUProfile()
	if err := os.MkdirAll(filepath.Join(dir, runrecord.ProfilesDir), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := runrecord.WriteFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileCPU), prof.Bytes()); err != nil {
		b.Fatal(err)
	}
	return dir
}

// synthetic describes a deterministic run record: secs intervals of one
// second with perSec responses of log-normal latency around latency (20x
// for one interval in every 600), and a target timeline around cpu %.
type synthetic struct {
	secs, perSec int
	latency      time.Duration
	cpu          float64
	seed         uint64
}

// writeSynthetic writes the run record through the real Recorder.
func writeSynthetic(tb testing.TB, dir string, sp synthetic) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	rec, err := report.NewRecorder(dir, report.RecorderConfig{Interval: time.Second, Highest: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(sp.seed, 2))
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var timeline []runrecord.TargetSample
	for s := 0; s < sp.secs; s++ {
		spike := 1.0
		if s%600 == 300 {
			spike = 20
		}
		for i := 0; i < sp.perSec; i++ {
			intended := start.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Second/time.Duration(sp.perSec))
			svc := time.Duration(float64(sp.latency) * spike * math.Exp(rng.NormFloat64()*0.5))
			res := &attack.Result{Seq: uint64(s*sp.perSec + i), Intended: intended, Sent: intended,
				End: intended.Add(svc), Latency: svc, Service: svc, Code: 200}
			if rng.IntN(1000) == 0 {
				res.Code, res.Error = 500, "500 Internal Server Error"
			}
			rec.Record(res)
		}
		cpu, rss, g, n := sp.cpu*(0.9+0.2*rng.Float64()), 50e6+1e4*float64(s), 30.0, 1.0
		pause := int64(100000 + rng.IntN(400000))
		timeline = append(timeline, runrecord.TargetSample{TimeMs: start.Add(time.Duration(s+1) * time.Second).UnixMilli(),
			CPUPercent: &cpu, RSSBytes: &rss, Goroutines: &g, GCCount: &n, GCPauseMax: &pause, GCPauses: []int64{pause}})
	}
	d := time.Duration(sp.secs) * time.Second
	sum, err := rec.Close(attack.Outcome{Began: start, Ended: start.Add(d), Sending: d, Sent: uint64(sp.secs * sp.perSec)})
	if err != nil {
		tb.Fatal(err)
	}
	run := &runrecord.Run{Kind: "attack", Name: filepath.Base(dir), Start: start, End: start.Add(d),
		Interval: int64(time.Second), Summary: sum}
	run.Plan.Schedule = fmt.Sprintf("constant %d/1s", sp.perSec)
	run.Plan.Targets = []runrecord.PlanTarget{{Method: "GET", URL: "http://127.0.0.1:8080/fib?n=20"}}
	run.Summary.Target = summarizeSamples(timeline)
	for _, err := range []error{runrecord.Write(dir, run), runrecord.WriteTargetSamples(dir, timeline)} {
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkHTMLReportHour renders the HTML report of a one-hour run record
// from disk: "load" reads it (3600 intervals x 3 histograms), "render"
// builds the page (charts' data, pprof's flame graph and top), "total" is
// what `loadgen report -type html` costs.
func BenchmarkHTMLReportHour(b *testing.B) {
	dir := hourRecord(b)
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := report.Load(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render", func(b *testing.B) {
		rep, err := report.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		var size int
		for b.Loop() {
			cw := &countWriter{}
			if err := report.WriteHTML(cw, rep); err != nil {
				b.Fatal(err)
			}
			size = cw.n
		}
		b.ReportMetric(float64(size), "page-bytes")
	})
	b.Run("total", func(b *testing.B) {
		for b.Loop() {
			if _, err := report.WriteRecordHTML(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompareHour compares two one-hour run records (the same one).
func BenchmarkCompareHour(b *testing.B) {
	dir := hourRecord(b)
	for b.Loop() {
		c, err := report.Compare([]string{dir}, []string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if err := report.WriteCompareText(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
