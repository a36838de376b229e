// Package testrecords makes run records for the tests of the packages
// that read them: deterministic synthetic records written through the
// real recorder. (Real records of a short attack are the checked-in golden
// records of internal/goldenrecords: no runner, demo target or collector
// is linked into the renderers' test binaries, and no test waits on a
// live attack.) It is test support: nothing outside tests imports it.
package testrecords

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/recording"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// HourRecord writes a run record of a one-hour attack (1 s intervals, 50
// responses each, a latency spike every ten minutes) through the real
// Recorder, with a one-hour target timeline and a real CPU profile (of
// this process writing the record).
func HourRecord(b testing.TB) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "hour")
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		b.Fatal(err)
	}
	WriteSynthetic(b, dir, Synthetic{Secs: 3600, PerSec: 50, Latency: time.Millisecond, CPU: 40, Seed: 1})
	pprof.StopCPUProfile()
	if err := os.MkdirAll(filepath.Join(dir, runrecord.ProfilesDir), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := runrecord.WriteFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileCPU), prof.Bytes()); err != nil {
		b.Fatal(err)
	}
	Reseal(b, dir)
	return dir
}

// Reseal lists every file of dir in its run.json's manifest, for records
// assembled by hand, file by file, whose every file is the run's.
func Reseal(tb testing.TB, dir string) {
	tb.Helper()
	run, err := runrecord.Read(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var files []string
	for _, sub := range []string{"", runrecord.ProfilesDir} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range ents {
			if e.Type().IsRegular() && e.Name() != runrecord.MetaFile && e.Name() != runrecord.ReportFile && e.Name()[0] != '.' {
				files = append(files, filepath.ToSlash(filepath.Join(sub, e.Name())))
			}
		}
	}
	if err := runrecord.Seal(dir, run, files...); err != nil {
		tb.Fatal(err)
	}
}

// Synthetic describes a deterministic run record: Secs intervals of one
// second with PerSec responses of log-normal latency around Latency (20x
// for one interval in every 600), and a target timeline around CPU %.
type Synthetic struct {
	Secs, PerSec int
	Latency      time.Duration
	CPU          float64
	Seed         uint64
	// Groups, if set, sends request i to endpoint group i mod len(Groups),
	// each with its own latency (instead of Latency).
	Groups []SyntheticGroup
	// Shard of Shards, if Shards > 1: the record holds only the requests
	// i with i mod Shards == Shard, like one shard of a sharded attack.
	Shard, Shards int
	// Exemplars is how many of the slowest requests each interval keeps
	// (the plan's -exemplars; 0: runrecord.DefaultExemplars).
	Exemplars int
}

// SyntheticGroup is an endpoint group of a synthetic record.
type SyntheticGroup struct {
	Name    string
	Latency time.Duration
}

// WriteSynthetic writes the run record through the real Recorder.
func WriteSynthetic(tb testing.TB, dir string, sp Synthetic) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	id := runrecord.NewRunID()
	cfg := recording.Config{Interval: time.Second, Highest: time.Hour, RunID: id, Exemplars: sp.Exemplars}
	var targets []runrecord.PlanTarget
	for i, g := range sp.Groups {
		cfg.Groups = append(cfg.Groups, g.Name)
		cfg.GroupOf = append(cfg.GroupOf, i)
		targets = append(targets, runrecord.PlanTarget{Method: "GET", URL: "http://127.0.0.1:8080/" + g.Name})
	}
	if len(targets) == 0 {
		targets = []runrecord.PlanTarget{{Method: "GET", URL: "http://127.0.0.1:8080/fib?n=20"}}
	}
	rec, err := recording.New(dir, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	sent := 0
	rng := rand.New(rand.NewPCG(sp.Seed, 2))
	start := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var timeline []runrecord.TargetSample
	for s := 0; s < sp.Secs; s++ {
		spike := 1.0
		if s%600 == 300 {
			spike = 20
		}
		for i := 0; i < sp.PerSec; i++ {
			seq := s*sp.PerSec + i
			lat := sp.Latency
			target := 0
			if len(sp.Groups) > 0 {
				target = seq % len(sp.Groups)
				lat = sp.Groups[target].Latency
			}
			intended := start.Add(time.Duration(s)*time.Second + time.Duration(i)*time.Second/time.Duration(sp.PerSec))
			svc := time.Duration(float64(lat) * spike * math.Exp(rng.NormFloat64()*0.5))
			fail := rng.IntN(1000) == 0
			if sp.Shards > 1 && seq%sp.Shards != sp.Shard {
				continue
			}
			res := &attack.Result{Seq: uint64(seq), Target: target, Intended: intended, Sent: intended,
				End: intended.Add(svc), Latency: svc, Service: svc, Code: 200}
			if fail {
				res.Code, res.Error = 500, "500 Internal Server Error"
			}
			rec.Record(res)
			sent++
		}
		cpu, rss, g, n := sp.CPU*(0.9+0.2*rng.Float64()), 50e6+1e4*float64(s), 30.0, 1.0
		pause := int64(100000 + rng.IntN(400000))
		timeline = append(timeline, runrecord.TargetSample{TimeMs: start.Add(time.Duration(s+1) * time.Second).UnixMilli(),
			CPUPercent: &cpu, RSSBytes: &rss, Goroutines: &g, GCCount: &n, GCPauseMax: &pause, GCPauses: []int64{pause}})
	}
	d := time.Duration(sp.Secs) * time.Second
	sum, err := rec.Close(attack.Outcome{Began: start, Ended: start.Add(d), Sending: d, Sent: uint64(sent)})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range sum.Groups {
		sum.Groups[i].Targets = 1
	}
	run := &runrecord.Run{RunID: id, Kind: runrecord.KindAttack, Name: filepath.Base(dir), Start: start, End: start.Add(d),
		Interval: int64(time.Second), Summary: sum}
	if sp.Shards > 1 {
		run.Shard = &runrecord.Shard{Index: sp.Shard, Count: sp.Shards}
	}
	run.Plan.Schedule = fmt.Sprintf("constant %d/1s", sp.PerSec)
	run.Plan.Exemplars = sp.Exemplars
	run.Plan.Targets = targets
	run.Summary.Target = SummarizeSamples(timeline)
	if err := runrecord.WriteTargetSamples(dir, id, timeline); err != nil {
		tb.Fatal(err)
	}
	if err := runrecord.Seal(dir, run, append(rec.Files(), runrecord.TargetFile)...); err != nil {
		tb.Fatal(err)
	}
}

// SummarizeSamples is the target summary of a timeline.
func SummarizeSamples(rows []runrecord.TargetSample) *runrecord.TargetSummary {
	ts := &runrecord.TargetSummary{}
	var pauses []int64
	var n float64
	for _, r := range rows {
		n++
		ts.CPUPercent.Mean += (*r.CPUPercent - ts.CPUPercent.Mean) / n
		ts.CPUPercent.Max = math.Max(ts.CPUPercent.Max, *r.CPUPercent)
		ts.RSSBytes.Mean += (*r.RSSBytes - ts.RSSBytes.Mean) / n
		ts.RSSBytes.Max = math.Max(ts.RSSBytes.Max, *r.RSSBytes)
		ts.Goroutines.Max = math.Max(ts.Goroutines.Max, *r.Goroutines)
		pauses = append(pauses, r.GCPauses...)
	}
	sort.Slice(pauses, func(i, j int) bool { return pauses[i] < pauses[j] })
	if k := len(pauses); k > 0 {
		ts.GCPause.Count = uint64(k)
		ts.GCPause.P99 = time.Duration(pauses[min(k-1, int(math.Ceil(0.99*float64(k)))-1)])
		ts.GCPause.Max = time.Duration(pauses[k-1])
	}
	return ts
}
