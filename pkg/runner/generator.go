package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Generator health thresholds: past them the report warns that loadgen
// itself, not only the target, limited the run.
const (
	// busyCPU is the share of the cores loadgen may use above which it is
	// considered saturated.
	busyCPU = 0.85
	// lateLag is the dispatch-lag p99 above which the schedule was not
	// kept. Coarse pacing releases slots up to about 1-2 ms late by design
	// (timer granularity), so its threshold is higher. Slots that waited
	// for a free worker show here too.
	lateLag       = time.Millisecond
	lateLagCoarse = 3 * time.Millisecond
)

// selfMeter measures loadgen's own CPU over the attack window and, with
// -self-profile, its CPU profile.
type selfMeter struct {
	cpu0    time.Duration
	began   time.Time
	profile *bytes.Buffer
	profErr error // the profile could not start; the attack runs anyway
}

func startSelfMeter(profile bool) *selfMeter {
	m := &selfMeter{began: time.Now()}
	if profile {
		m.profile = new(bytes.Buffer)
		if err := pprof.StartCPUProfile(m.profile); err != nil {
			m.profile, m.profErr = nil, fmt.Errorf("self profile: %w", err)
		}
	}
	m.cpu0, _ = selfUsage()
	return m
}

// stop ends the window and returns the generator's figures for sum.
func (m *selfMeter) stop(client, pacing string, maxWorkers uint64, out attack.Outcome, sum runrecord.Summary) *runrecord.Generator {
	if pacing == "" {
		pacing = attack.PacingPrecise
	}
	cpu, rss := selfUsage()
	wall := time.Since(m.began)
	if m.profile != nil {
		pprof.StopCPUProfile()
	}
	g := &runrecord.Generator{
		Client:       client,
		CPUSeconds:   (cpu - m.cpu0).Seconds(),
		Cores:        runtime.GOMAXPROCS(0),
		MaxRSSBytes:  rss,
		Pacing:       pacing,
		Workers:      out.Workers,
		Retired:      out.Retired,
		MaxWorkers:   maxWorkers,
		Connections:  out.Conns,
		PeakInFlight: out.PeakInFlight,
		PeakWaiting:  out.PeakWaiting,
		Dropped:      out.Dropped,
		Goroutines:   out.PeakGoroutines,
	}
	if wall > 0 {
		g.CPUPercent = 100 * g.CPUSeconds / wall.Seconds()
	}
	if sum.Requests > 0 {
		g.CPUPerRequest = (cpu - m.cpu0) / time.Duration(sum.Requests)
	}
	if g.CPUPercent >= busyCPU*100*float64(g.Cores) {
		g.Warnings = append(g.Warnings, fmt.Sprintf("loadgen used %.0f%% CPU of the %d cores it may use: the generator is saturated, so rate and latency reflect loadgen, not only the target (spread the load over shards, use the fast client, or allow more cores with -cpus)", g.CPUPercent, g.Cores))
	}
	late := lateLag
	if pacing != attack.PacingPrecise {
		late = lateLagCoarse
	}
	if sum.DispatchLag.P99 > late && !sum.DispatchLag.NotApplicable {
		g.Warnings = append(g.Warnings, fmt.Sprintf("dispatch lag p99 %s is above %s: requests left late (loadgen or its box overloaded, or every worker busy at the worker cap); intended-time latency includes the wait", sum.DispatchLag.P99.Round(time.Microsecond), late))
	}
	if sum.Missed > 0 {
		g.Warnings = append(g.Warnings, fmt.Sprintf("%d slots were due but never sent: the schedule was not kept", sum.Missed))
	}
	if out.Dropped > 0 {
		g.Warnings = append(g.Warnings, fmt.Sprintf("%d of the missed slots waited for a free worker longer than the timeout or past the waiting cap, and were dropped", out.Dropped))
	}
	if maxWorkers > 0 && out.Workers >= maxWorkers && out.PeakWaiting > 0 {
		g.Warnings = append(g.Warnings, fmt.Sprintf("every one of the %d workers was in flight while slots waited: the target needed more concurrency than the cap (raise the workers cap if it should get it); the wait is in intended-time latency", maxWorkers))
	}
	g.Bottleneck = len(g.Warnings) > 0
	return g
}

// saveProfile writes the self profile into the run record.
func (m *selfMeter) saveProfile(dir string) error {
	if m.profile == nil {
		return m.profErr
	}
	pd := filepath.Join(dir, runrecord.ProfilesDir)
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return fmt.Errorf("self profile: %w", err)
	}
	f, err := runrecord.CreateAtomic(filepath.Join(pd, runrecord.ProfileSelfCPU))
	if err != nil {
		return err
	}
	if _, err := f.Write(m.profile.Bytes()); err != nil {
		f.Discard()
		return fmt.Errorf("self profile: %w", err)
	}
	return f.Commit()
}
