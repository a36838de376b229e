package collect

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// timeline keeps every source's readings and turns them into rows (one per
// tick, sources merged) and the attack's summary. It holds one small entry
// per source per interval, nothing per request.
type timeline struct {
	interval time.Duration
	order    []Source

	mu          sync.Mutex
	logs        map[Source]*sourceLog
	attackStart time.Time
	attackEnd   time.Time
}

type sourceLog struct {
	entries           []entry
	ok, failed, skips int
	firstErr, lastErr string
	cut               string // why the source was stopped at a cap
}

type entry struct {
	tk tick
	r  Reading
}

func newTimeline(order []Source, interval time.Duration) *timeline {
	tl := &timeline{interval: interval, order: order, logs: map[Source]*sourceLog{}}
	for _, s := range order {
		tl.logs[s] = &sourceLog{}
	}
	return tl
}

func (tl *timeline) setAttackStart(t time.Time) {
	tl.mu.Lock()
	tl.attackStart = t
	tl.mu.Unlock()
}

func (tl *timeline) setAttackEnd(t time.Time) {
	tl.mu.Lock()
	tl.attackEnd = t
	tl.mu.Unlock()
}

func (tl *timeline) add(s Source, tk tick, r Reading, err error) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	l := tl.logs[s]
	if err != nil {
		l.failed++
		if l.firstErr == "" {
			l.firstErr = err.Error()
		}
		l.lastErr = err.Error()
		return
	}
	l.ok++
	// Keep only the pauses that are new since this source's last reading
	// (expvar lists up to 256 each time): memory stays proportional to
	// the GCs, not to readings times the ring.
	if n := len(l.entries); n > 0 && len(r.GCPauses) > 0 {
		if prev := l.entries[n-1].r.GCCount; prev != nil && r.GCCount != nil && *r.GCCount >= *prev {
			if k := *r.GCCount - *prev; float64(len(r.GCPauses)) > k {
				r.GCPauses = slices.Clone(r.GCPauses[len(r.GCPauses)-int(k):])
			}
		}
	}
	l.entries = append(l.entries, entry{tk, r})
}

// cut notes that s was stopped at a cap.
func (tl *timeline) cut(s Source, err error) {
	tl.mu.Lock()
	tl.logs[s].cut = err.Error()
	tl.mu.Unlock()
}

func (tl *timeline) skipped(s Source) {
	tl.mu.Lock()
	tl.logs[s].skips++
	tl.mu.Unlock()
}

// point is one source's figures over the interval ending at a tick.
type point struct {
	T        time.Time
	Baseline bool
	dt       time.Duration // since this source's previous reading

	cpu, ctxps                          *float64
	rss, heap, gor, threads, fds, gccpu *float64
	gcCount                             *float64
	pauses                              []time.Duration
	exact                               bool // pauses are the individual pauses
}

// derive turns one source's readings into per-interval points.
func derive(entries []entry) []point {
	entries = slices.Clone(entries)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].tk.T.Before(entries[j].tk.T) })
	out := make([]point, 0, len(entries))
	for i, e := range entries {
		r := e.r
		p := point{T: e.tk.T, Baseline: e.tk.Baseline,
			rss: r.RSSBytes, heap: r.HeapInUse, gor: r.Goroutines, threads: r.Threads, fds: r.OpenFDs, gccpu: r.GCCPUFraction}
		if i > 0 {
			prev := entries[i-1].r
			p.dt = r.At.Sub(prev.At)
			p.cpu = rate(prev.CPUSeconds, r.CPUSeconds, p.dt, 100)
			p.ctxps = rate(prev.CtxSwitches, r.CtxSwitches, p.dt, 1)
			p.gcCount, p.pauses, p.exact = gcDelta(prev, r)
		}
		out = append(out, p)
	}
	return out
}

// rate is the counter's increase per second times scale; nil when either
// reading lacks it or the counter went backwards (the target restarted).
func rate(a, b *float64, dt time.Duration, scale float64) *float64 {
	if a == nil || b == nil || dt <= 0 || *b < *a {
		return nil
	}
	return f64((*b - *a) / dt.Seconds() * scale)
}

// gcDelta finds the GC cycles between two readings and their pauses, as
// exactly as the source allows.
func gcDelta(prev, cur Reading) (*float64, []time.Duration, bool) {
	if prev.GCCount == nil || cur.GCCount == nil || *cur.GCCount < *prev.GCCount {
		return nil, nil, false
	}
	count := *cur.GCCount - *prev.GCCount
	// n bounds the pauses listed: a garbage counter must not allocate
	// without limit (real targets manage a few thousand GCs a second).
	n := int(min(count, 1<<14))
	if n == 0 {
		return f64(0), nil, true
	}
	switch {
	case len(cur.GCPauses) > 0:
		k := min(n, len(cur.GCPauses))
		return f64(count), slices.Clone(cur.GCPauses[len(cur.GCPauses)-k:]), float64(k) == count
	case prev.GCPauseSum != nil && cur.GCPauseSum != nil:
		sum := time.Duration((*cur.GCPauseSum - *prev.GCPauseSum) * 1e9)
		if count == 1 {
			return f64(1), []time.Duration{sum}, true
		}
		// A summary gives only the total: n pauses of the mean length is
		// the honest approximation (marked inexact, see Caveat).
		ps := make([]time.Duration, n)
		for i := range ps {
			ps[i] = time.Duration(float64(sum) / count)
		}
		return f64(count), ps, false
	case prev.GCPauseHist != nil && cur.GCPauseHist != nil:
		return f64(count), histDelta(prev.GCPauseHist, cur.GCPauseHist), false
	}
	return f64(count), nil, false
}

// histDelta lists the observations between two cumulative histograms, each
// at its bucket's upper bound (an upper estimate).
func histDelta(a, b *Histogram) []time.Duration {
	if len(a.Bounds) != len(b.Bounds) || len(b.Bounds) != len(b.Counts) || len(a.Counts) != len(a.Bounds) {
		return nil
	}
	var out []time.Duration
	prevA, prevB := 0.0, 0.0
	for i, ub := range b.Bounds {
		n := (b.Counts[i] - prevB) - (a.Counts[i] - prevA)
		prevA, prevB = a.Counts[i], b.Counts[i]
		if math.IsInf(ub, 1) {
			if i == 0 {
				continue
			}
			ub = b.Bounds[i-1]
		}
		for j := 0; j < int(n) && len(out) < 1<<16; j++ {
			out = append(out, time.Duration(ub*1e9))
		}
	}
	return out
}

// row is a merged timeline row plus what the summary needs.
type row struct {
	s       runrecord.TargetSample
	cpuDt   time.Duration
	pauses  []time.Duration
	gcExact bool
	gcSrc   Source
}

// merged returns the rows in time order, one per millisecond (the rows'
// resolution). For each figure the first source (in the collector's
// order) that has it at that tick wins, and of two ticks in one
// millisecond (a clock tick and the attack's start or end right after
// it), the earlier one.
func (tl *timeline) merged() []row {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	byT := map[int64]*row{}
	var keys []int64
	for _, s := range tl.order {
		for _, p := range derive(tl.logs[s].entries) {
			k := p.T.UnixMilli()
			r := byT[k]
			if r == nil {
				r = &row{s: runrecord.TargetSample{TimeMs: p.T.UnixMilli(), Baseline: p.Baseline}}
				byT[k] = r
				keys = append(keys, k)
			}
			fill(r, p, s)
		}
	}
	slices.Sort(keys)
	out := make([]row, len(keys))
	for i, k := range keys {
		out[i] = *byT[k]
	}
	return out
}

func fill(r *row, p point, src Source) {
	s := &r.s
	first := func(dst **float64, v *float64) {
		if *dst == nil && v != nil {
			*dst = v
		}
	}
	if s.CPUPercent == nil && p.cpu != nil {
		s.CPUPercent, r.cpuDt = p.cpu, p.dt
	}
	first(&s.RSSBytes, p.rss)
	first(&s.HeapInUse, p.heap)
	first(&s.Goroutines, p.gor)
	first(&s.Threads, p.threads)
	first(&s.OpenFDs, p.fds)
	first(&s.CtxSwitch, p.ctxps)
	first(&s.GCCPUFraction, p.gccpu)
	// GC figures come from one source together; a later source with the
	// individual pauses (expvar) beats an earlier approximate one.
	if p.gcCount != nil && (s.GCCount == nil || p.exact && !r.gcExact) {
		s.GCCount, r.pauses, r.gcExact, r.gcSrc = p.gcCount, p.pauses, p.exact, src
		s.GCPauseMax, s.GCPauses = nil, nil
		if len(p.pauses) > 0 {
			m := slices.Max(p.pauses)
			s.GCPauseMax = (*int64)(&m)
		}
		if p.exact {
			for _, d := range p.pauses {
				s.GCPauses = append(s.GCPauses, int64(d))
			}
		}
	}
}

// rows is target.jsonl: every row, baseline first.
func (tl *timeline) rows() []runrecord.TargetSample {
	m := tl.merged()
	out := make([]runrecord.TargetSample, len(m))
	for i := range m {
		out[i] = m[i].s
	}
	return out
}

// summary is the target block of the JSON contract, over the attack window
// only (the baseline has its own figures). gcFrom holds the sources whose
// approximate GC figures it used.
func (tl *timeline) summary(cfg Config) (sum *runrecord.TargetSummary, gcFrom map[Source]bool) {
	rows := tl.merged()
	tl.mu.Lock()
	start, end := tl.attackStart, tl.attackEnd
	tl.mu.Unlock()
	sum, gcFrom = &runrecord.TargetSummary{}, map[Source]bool{}
	var (
		cpu, base         weighted
		rss, baseRSS, hp  meanMax
		gor, thr, fds     float64
		pauses            []time.Duration
		gcs               float64
		anyCPU, anyThings bool
	)
	for _, r := range rows {
		s := r.s
		t := time.UnixMilli(s.TimeMs)
		if s.Baseline {
			if s.CPUPercent != nil {
				base.add(*s.CPUPercent, r.cpuDt)
			}
			if s.RSSBytes != nil {
				baseRSS.add(*s.RSSBytes)
			}
			continue
		}
		if !end.IsZero() && t.After(end.Add(time.Millisecond)) || t.Before(start) {
			continue
		}
		anyThings = true
		if s.CPUPercent != nil {
			anyCPU = true
			// Very short intervals (the reading at the attack's end) are
			// noisy at 10 ms CPU accounting: count them in the mean, by
			// their length, but not in the max.
			cpu.add(*s.CPUPercent, r.cpuDt)
			if r.cpuDt >= tl.interval/2 {
				sum.CPUPercent.Max = max(sum.CPUPercent.Max, *s.CPUPercent)
			}
		}
		if s.RSSBytes != nil {
			rss.add(*s.RSSBytes)
		}
		if s.HeapInUse != nil {
			hp.add(*s.HeapInUse)
		}
		if s.Goroutines != nil {
			gor = max(gor, *s.Goroutines)
		}
		if s.Threads != nil {
			thr = max(thr, *s.Threads)
		}
		if s.OpenFDs != nil {
			fds = max(fds, *s.OpenFDs)
		}
		if s.GCCount != nil {
			if !r.gcExact {
				gcFrom[r.gcSrc] = true
			}
			gcs += *s.GCCount
			pauses = append(pauses, r.pauses...)
		}
	}
	sum.CPUPercent.Mean = cpu.mean()
	if sum.CPUPercent.Max == 0 && anyCPU {
		sum.CPUPercent.Max = cpu.max
	}
	// The mean counts the short intervals the max leaves out; one of them
	// busier than the rest must not put the max below the mean.
	sum.CPUPercent.Max = max(sum.CPUPercent.Max, sum.CPUPercent.Mean)
	sum.RSSBytes = runrecord.MeanMax{Mean: rss.mean(), Max: rss.max}
	sum.Goroutines.Max = gor
	sum.GCPause.Count = uint64(gcs)
	if len(pauses) > 0 {
		slices.Sort(pauses)
		// Nearest rank: the smallest pause at or above 99 % of them.
		sum.GCPause.P99 = pauses[int(math.Ceil(0.99*float64(len(pauses))))-1]
		sum.GCPause.Max = pauses[len(pauses)-1]
	}
	if hp.n > 0 || thr > 0 || fds > 0 {
		sum.Extra = &runrecord.ExtraInfo{
			HeapInUseBytes: runrecord.MeanMax{Mean: hp.mean(), Max: hp.max},
			Threads:        runrecord.MaxOnly{Max: thr},
			OpenFDs:        runrecord.MaxOnly{Max: fds},
		}
	}
	if cfg.Baseline > 0 && (base.w > 0 || baseRSS.n > 0) {
		sum.Baseline = &runrecord.Baseline{CPUPercent: base.mean(), RSSBytes: baseRSS.mean()}
	}
	if anyThings && !anyCPU && (cfg.MetricsURL != "" || cfg.PID != 0) {
		sum.Warnings = append(sum.Warnings, "no CPU figures during the attack: the sources gave no CPU time (process_cpu_seconds_total or /proc) in two consecutive readings")
	}
	if !anyCPU && cfg.MetricsURL == "" && cfg.PID == 0 {
		sum.Warnings = append(sum.Warnings, "CPU % and RSS need a Prometheus endpoint with process_* metrics, or a local process to sample")
	}
	return sum, gcFrom
}

// warnings says, per source, how many readings failed or were skipped.
func (tl *timeline) warnings(cfg Config) []string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var out []string
	for _, s := range tl.order {
		l := tl.logs[s]
		name := describe(s, false)
		total := l.ok + l.failed
		switch {
		case l.cut != "":
			// One line for a hostile endpoint: what was cut, and that
			// it was left alone afterwards.
			out = append(out, fmt.Sprintf("%s: %s; stopped reading it for the rest of the run (%d good readings before)", name, l.cut, l.ok))
		case l.failed > 0 && l.ok == 0:
			out = append(out, fmt.Sprintf("%s: all %d readings failed, no figures from it: %s", name, total, l.lastErr))
		case l.failed > 0:
			msg := fmt.Sprintf("%s: %d of %d readings failed: %s", name, l.failed, total, l.firstErr)
			if l.lastErr != l.firstErr {
				msg += "; last: " + l.lastErr
			}
			out = append(out, msg)
		}
		// One or two skips happen when a clock tick lands just after an
		// attack start/end reading; only more say the source is slow.
		if l.skips > 2 && l.cut == "" {
			out = append(out, fmt.Sprintf("%s: slower than the %s interval, %d readings skipped", name, cfg.Interval, l.skips))
		}
	}
	return out
}

type weighted struct {
	sum, w, max float64
}

func (a *weighted) add(v float64, dt time.Duration) {
	w := dt.Seconds()
	if w <= 0 {
		return
	}
	a.sum += v * w
	a.w += w
	a.max = max(a.max, v)
}

func (a *weighted) mean() float64 {
	if a.w == 0 {
		return 0
	}
	return a.sum / a.w
}

type meanMax struct {
	sum, max float64
	n        int
}

func (a *meanMax) add(v float64) {
	a.sum += v
	a.n++
	a.max = max(a.max, v)
}

func (a *meanMax) mean() float64 {
	if a.n == 0 {
		return 0
	}
	return a.sum / float64(a.n)
}
