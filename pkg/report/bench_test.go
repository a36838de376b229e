package report_test

import (
	"bytes"
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
	if err := os.MkdirAll(filepath.Join(dir, runrecord.ProfilesDir), 0o755); err != nil {
		b.Fatal(err)
	}
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		b.Fatal(err)
	}
	rec, err := report.NewRecorder(dir, report.RecorderConfig{Interval: time.Second, Highest: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	const secs, perSec = 3600, 50
	var timeline []runrecord.TargetSample
	for s := 0; s < secs; s++ {
		spike := 1.0
		if s%600 == 300 {
			spike = 20
		}
		for i := 0; i < perSec; i++ {
			intended := start.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Second/perSec)
			svc := time.Duration(float64(time.Millisecond) * spike * math.Exp(rng.NormFloat64()*0.5))
			res := &attack.Result{Seq: uint64(s*perSec + i), Intended: intended, Sent: intended,
				End: intended.Add(svc), Latency: svc, Service: svc, Code: 200}
			if rng.IntN(1000) == 0 {
				res.Code, res.Error = 500, "500 Internal Server Error"
			}
			rec.Record(res)
		}
		cpu, rss, g, n := 40+10*rng.Float64(), 50e6+1e4*float64(s), 30.0, 1.0
		pause := int64(100000 + rng.IntN(400000))
		timeline = append(timeline, runrecord.TargetSample{TimeMs: start.Add(time.Duration(s+1) * time.Second).UnixMilli(),
			CPUPercent: &cpu, RSSBytes: &rss, Goroutines: &g, GCCount: &n, GCPauseMax: &pause, GCPauses: []int64{pause}})
	}
	sum, err := rec.Close(attack.Outcome{Began: start, Ended: start.Add(secs * time.Second), Sending: secs * time.Second, Sent: secs * perSec})
	pprof.StopCPUProfile()
	if err != nil {
		b.Fatal(err)
	}
	run := &runrecord.Run{Kind: "attack", Name: "hour", Start: start, End: start.Add(secs * time.Second),
		Interval: int64(time.Second), Summary: sum}
	run.Plan.Schedule = "constant 50/1s"
	run.Summary.Target = summarizeSamples(timeline)
	for _, err := range []error{
		runrecord.Write(dir, run),
		runrecord.WriteTargetSamples(dir, timeline),
		runrecord.WriteFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileCPU), prof.Bytes()),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	return dir
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
