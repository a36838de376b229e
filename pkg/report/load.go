package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Report is one run record, or several (shards) merged into one.
type Report struct {
	Dirs    []string
	Runs    []*runrecord.Run
	Summary runrecord.Summary
	// Intervals are per-interval figures, merged across runs by absolute time.
	Intervals []Point
	// Overall histograms of the three series (nil when no latency log).
	Latency, Service, Lag *hdr.Histogram
}

// Point is one latency interval.
type Point struct {
	StartMs    int64         `json:"t"`
	EndMs      int64         `json:"end"`
	Count      int64         `json:"count"`
	Errors     uint64        `json:"errors"`
	P50        time.Duration `json:"p50"`
	P90        time.Duration `json:"p90"`
	P99        time.Duration `json:"p99"`
	P999       time.Duration `json:"p999"`
	Max        time.Duration `json:"max"`
	ServiceP99 time.Duration `json:"service_p99"`
	LagP99     time.Duration `json:"lag_p99"`
}

// Load reads run records. One directory gives that run's own summary;
// several are merged: histograms summed interval by interval (aligned by
// absolute time), counts added, rates taken over the union of their windows.
func Load(dirs ...string) (*Report, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no run record given")
	}
	rep := &Report{Dirs: dirs}
	for _, d := range dirs {
		r, err := runrecord.Read(d)
		if err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, r)
	}
	errs := map[int64]uint64{}
	for _, d := range dirs {
		rows, err := runrecord.ReadIntervals(d)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			errs[row.StartMs] += row.Errors
		}
	}
	err := mergeLogs(dirs, func(startMs, endMs int64, s series) error {
		if rep.Latency == nil {
			rep.Latency, rep.Service, rep.Lag = s.lat.Clone(), s.svc.Clone(), s.lag.Clone()
		} else {
			rep.Latency.Merge(s.lat)
			rep.Service.Merge(s.svc)
			rep.Lag.Merge(s.lag)
		}
		p := Point{StartMs: startMs, EndMs: endMs, Count: s.lat.TotalCount(), Errors: errs[startMs]}
		if p.Count > 0 {
			v := s.lat.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
			p.P50, p.P90, p.P99, p.P999 = time.Duration(v[0]), time.Duration(v[1]), time.Duration(v[2]), time.Duration(v[3])
			p.Max = time.Duration(s.lat.Max())
			p.ServiceP99 = time.Duration(s.svc.ValueAtPercentile(99))
			p.LagP99 = time.Duration(s.lag.ValueAtPercentile(99))
		}
		rep.Intervals = append(rep.Intervals, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rep.Runs) == 1 {
		rep.Summary = rep.Runs[0].Summary
	} else {
		rep.Summary = mergeSummaries(rep)
	}
	return rep, nil
}

// mergeSummaries combines shard summaries; latency comes from the merged
// histograms, never from averaging percentiles.
func mergeSummaries(rep *Report) runrecord.Summary {
	c := newCounts()
	var (
		began            time.Time
		sendEnd, lastEnd time.Time
		missed           uint64
	)
	for _, r := range rep.Runs {
		s := r.Summary
		c.requests += s.Requests
		c.success += uint64(math.Round(s.SuccessRatio * float64(s.Requests)))
		c.bytesIn += s.BytesIn
		c.bytesOut += s.BytesOut
		for k, v := range s.StatusCodes {
			c.codes[k] += v
		}
		for _, e := range s.Errors {
			c.errs.add(e.Message, e.Count)
		}
		missed += s.Missed
		if began.IsZero() || r.Start.Before(began) {
			began = r.Start
		}
		if e := r.Start.Add(s.Duration); e.After(sendEnd) {
			sendEnd = e
		}
		if e := r.Start.Add(s.Duration + s.Wait); e.After(lastEnd) {
			lastEnd = e
		}
	}
	c.lastEnd = lastEnd
	s := series{lat: rep.Latency, svc: rep.Service, lag: rep.Lag}
	if s.lat == nil {
		s = newSeries(int64(time.Hour))
	}
	sum := summarize(s, c, began, sendEnd.Sub(began), missed)
	sum.Target = mergeTargets(rep.Runs)
	return sum
}

// mergeTargets combines what collectors saw in several runs: means are
// averaged, maxima and counts taken over all.
func mergeTargets(runs []*runrecord.Run) *runrecord.TargetSummary {
	var out *runrecord.TargetSummary
	n := 0.0
	for _, r := range runs {
		t := r.Summary.Target
		if t == nil {
			continue
		}
		if out == nil {
			out = &runrecord.TargetSummary{}
		}
		n++
		out.CPUPercent.Mean += (t.CPUPercent.Mean - out.CPUPercent.Mean) / n
		out.RSSBytes.Mean += (t.RSSBytes.Mean - out.RSSBytes.Mean) / n
		out.CPUPercent.Max = math.Max(out.CPUPercent.Max, t.CPUPercent.Max)
		out.RSSBytes.Max = math.Max(out.RSSBytes.Max, t.RSSBytes.Max)
		out.Goroutines.Max = math.Max(out.Goroutines.Max, t.Goroutines.Max)
		out.GCPause.Count += t.GCPause.Count
		out.GCPause.P99 = max(out.GCPause.P99, t.GCPause.P99)
		out.GCPause.Max = max(out.GCPause.Max, t.GCPause.Max)
		out.Warnings = append(out.Warnings, t.Warnings...)
	}
	return out
}

// logReader walks one latency.hlog interval by interval.
type logReader struct {
	f       *os.File
	r       *hdr.HistogramLogReader
	pending *hdr.Histogram
	done    bool
}

// next returns the three series of the next interval and its start/end.
func (lr *logReader) next() (startMs, endMs int64, s series, err error) {
	var got []*hdr.Histogram
	for {
		h := lr.pending
		lr.pending = nil
		if h == nil {
			h, err = lr.r.NextIntervalHistogram()
			if err != nil {
				return 0, 0, s, fmt.Errorf("%s: %w", lr.f.Name(), err)
			}
		}
		if h == nil {
			lr.done = true
			break
		}
		if len(got) > 0 && roundMs(h.StartTimeMs()) != roundMs(got[0].StartTimeMs()) {
			lr.pending = h
			break
		}
		got = append(got, h)
	}
	if len(got) == 0 {
		return 0, 0, s, io.EOF
	}
	for _, h := range got {
		switch h.Tag() {
		case runrecord.TagService:
			s.svc = h
		case runrecord.TagLag:
			s.lag = h
		case runrecord.TagLatency:
			s.lat = h
		}
	}
	ref := got[0]
	if s.lat == nil {
		s.lat = hdr.New(lowest, ref.HighestTrackableValue(), sigFigs)
	}
	if s.svc == nil {
		s.svc = hdr.New(lowest, ref.HighestTrackableValue(), sigFigs)
	}
	if s.lag == nil {
		s.lag = hdr.New(lowest, ref.HighestTrackableValue(), sigFigs)
	}
	return roundMs(ref.StartTimeMs()), roundMs(ref.EndTimeMs()), s, nil
}

// roundMs undoes the float seconds of the log format (x.999 ms -> x+1 ms).
func roundMs(ms int64) int64 { return (ms + 5) / 10 * 10 }

// mergeLogs streams the latency logs of dirs in time order, summing the
// histograms of intervals that start at the same time, and calls fn once per
// interval. Runs without a latency log are skipped.
func mergeLogs(dirs []string, fn func(startMs, endMs int64, s series) error) error {
	var readers []*logReader
	defer func() {
		for _, lr := range readers {
			lr.f.Close()
		}
	}()
	type head struct {
		start, end int64
		s          series
	}
	var heads []*head
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, runrecord.LatencyLog))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read latency log: %w", err)
		}
		lr := &logReader{f: f, r: hdr.NewHistogramLogReader(f)}
		readers = append(readers, lr)
		heads = append(heads, nil)
	}
	advance := func(i int) error {
		start, end, s, err := readers[i].next()
		if err == io.EOF {
			heads[i] = nil
			return nil
		}
		if err != nil {
			return err
		}
		heads[i] = &head{start, end, s}
		return nil
	}
	for i := range readers {
		if err := advance(i); err != nil {
			return err
		}
	}
	for {
		var live []int
		for i, h := range heads {
			if h != nil {
				live = append(live, i)
			}
		}
		if len(live) == 0 {
			return nil
		}
		sort.Slice(live, func(a, b int) bool { return heads[live[a]].start < heads[live[b]].start })
		first := heads[live[0]]
		merged := first.s
		end := first.end
		if err := advance(live[0]); err != nil {
			return err
		}
		for _, i := range live[1:] {
			if h := heads[i]; h.start == first.start {
				merged.lat.Merge(h.s.lat)
				merged.svc.Merge(h.s.svc)
				merged.lag.Merge(h.s.lag)
				end = max(end, h.end)
				if err := advance(i); err != nil {
					return err
				}
			}
		}
		if err := fn(first.start, end, merged); err != nil {
			return err
		}
	}
}

// WriteHlog writes the (merged) latency interval log of dirs to w, in the
// standard HdrHistogram log format.
func WriteHlog(w io.Writer, dirs ...string) error {
	lw := hdr.NewHistogramLogWriter(w)
	first := true
	return mergeLogs(dirs, func(startMs, endMs int64, s series) error {
		if first {
			first = false
			base := startMs - startMs%1000
			for _, err := range []error{
				lw.OutputLogFormatVersion(),
				lw.OutputStartTime(base),
				lw.OutputBaseTime(base),
				lw.OutputLegend(),
			} {
				if err != nil {
					return err
				}
			}
			lw.SetBaseTime(base)
		}
		for _, tag := range []string{runrecord.TagLatency, runrecord.TagService, runrecord.TagLag} {
			h := s.byTag(tag)
			h.SetTag(tag)
			h.SetStartTimeMs(startMs)
			h.SetEndTimeMs(endMs)
			if err := lw.OutputIntervalHistogram(h); err != nil {
				return err
			}
		}
		return nil
	})
}
