package report_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/procfs"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// recordRun makes a real run record: it attacks the in-process demo target
// at path (like "/fib?n=20") and, during the attack, records a real CPU
// profile of this process (which serves the target) and samples this
// process's CPU, RSS, goroutines and GC pauses into target.jsonl, the way
// a collector would. The run record is dir.
func recordRun(t testing.TB, dir, path string, rate int, d time.Duration) *runrecord.Run {
	t.Helper()
	srv, err := demotarget.Start("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tgts, err := attack.TargetsFromURLs([]string{srv.URL + path}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := attack.ParseRate(strconv.Itoa(rate))
	if err != nil {
		t.Fatal(err)
	}
	opts := attack.DefaultOptions()
	opts.Duration = d
	opts.Timeout = 10 * time.Second
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		t.Fatalf("start CPU profile: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var samples []runrecord.TargetSample
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		samples = sampleSelf(ctx, t, 250*time.Millisecond)
	}()
	run, err := runner.Execute(context.Background(), runner.Plan{
		Name: "fixture", Targets: tgts, Schedule: sched, Options: opts,
		Interval: 500 * time.Millisecond, Out: dir,
	})
	stop()
	wg.Wait()
	pprof.StopCPUProfile()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, runrecord.ProfilesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := runrecord.WriteFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileCPU), prof.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := runrecord.WriteTargetSamples(dir, samples); err != nil {
		t.Fatal(err)
	}
	run.Summary.Target = summarizeSamples(samples)
	if err := runrecord.Write(dir, run); err != nil {
		t.Fatal(err)
	}
	return run
}

// sampleSelf samples this process every step until ctx ends.
func sampleSelf(ctx context.Context, t testing.TB, step time.Duration) []runrecord.TargetSample {
	proc, err := procfs.Self()
	if err != nil {
		t.Errorf("procfs: %v", err)
		return nil
	}
	var (
		out      []runrecord.TargetSample
		lastCPU  float64
		lastTime time.Time
		lastGC   uint32
		ms       runtime.MemStats
	)
	tick := time.NewTicker(step)
	defer tick.Stop()
	for {
		st, err := proc.Stat()
		if err != nil {
			t.Errorf("procfs stat: %v", err)
			return out
		}
		now := time.Now()
		runtime.ReadMemStats(&ms)
		s := runrecord.TargetSample{TimeMs: now.UnixMilli()}
		rss := float64(st.ResidentMemory())
		g := float64(runtime.NumGoroutine())
		s.RSSBytes, s.Goroutines = &rss, &g
		if !lastTime.IsZero() {
			cpu := (st.CPUTime() - lastCPU) / now.Sub(lastTime).Seconds() * 100
			n := float64(ms.NumGC - lastGC)
			s.CPUPercent, s.GCCount = &cpu, &n
			var longest int64
			for i := lastGC; i < ms.NumGC && ms.NumGC-i <= 256; i++ {
				p := int64(ms.PauseNs[i%256])
				s.GCPauses = append(s.GCPauses, p)
				longest = max(longest, p)
			}
			s.GCPauseMax = &longest
			out = append(out, s)
		}
		lastCPU, lastTime, lastGC = st.CPUTime(), now, ms.NumGC
		select {
		case <-ctx.Done():
			return out
		case <-tick.C:
		}
	}
}

// summarizeSamples is the target summary of a timeline.
func summarizeSamples(rows []runrecord.TargetSample) *runrecord.TargetSummary {
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
