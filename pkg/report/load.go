package report

import (
	"errors"
	"fmt"
	"math"
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
	// Exemplars are the slowest requests of every interval (the K slowest
	// of the union when shards are merged), by interval, slowest first.
	Exemplars []runrecord.Exemplar
	// TraceLink is a trace viewer's URL template with {trace_id} (see
	// CheckTraceLink), from the runs' plan; a caller may replace it.
	TraceLink string

	groups groupState
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
		r, err := runrecord.Open(d)
		if err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, r)
	}
	if err := checkMergeable(rep.Dirs, rep.Runs); err != nil {
		return nil, err
	}
	errs := map[int64]uint64{}
	rows := make([][]runrecord.Interval, len(dirs))
	for i, d := range dirs {
		var err error
		if rows[i], err = runrecord.ReadIntervals(d); err != nil {
			return nil, err
		}
		for _, row := range rows[i] {
			errs[row.StartMs] += row.Errors
		}
	}
	err := runrecord.MergeHlogs(dirs, func(startMs, endMs int64, s runrecord.Series) error {
		if rep.Latency == nil {
			rep.Latency, rep.Service, rep.Lag = s.Latency.Clone(), s.Service.Clone(), s.Lag.Clone()
		} else {
			rep.Latency.Merge(s.Latency)
			rep.Service.Merge(s.Service)
			rep.Lag.Merge(s.Lag)
		}
		p := Point{StartMs: startMs, EndMs: endMs, Count: s.Latency.TotalCount(), Errors: errs[startMs]}
		if p.Count > 0 {
			v := s.Latency.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
			p.P50, p.P90, p.P99, p.P999 = time.Duration(v[0]), time.Duration(v[1]), time.Duration(v[2]), time.Duration(v[3])
			p.Max = time.Duration(s.Latency.Max())
			p.ServiceP99 = time.Duration(s.Service.ValueAtPercentile(99))
			p.LagP99 = time.Duration(s.Lag.ValueAtPercentile(99))
		}
		rep.Intervals = append(rep.Intervals, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	k := ExemplarsPerInterval(rep.Runs)
	var lists [][]runrecord.Exemplar
	for _, d := range dirs {
		l, err := runrecord.ReadExemplars(d)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	rep.Exemplars = runrecord.MergeExemplars(k, lists...)
	rep.TraceLink = TraceLink(rep.Runs)
	if len(rep.Runs) == 1 {
		rep.Summary = rep.Runs[0].Summary
		return rep, nil
	}
	rep.Summary = mergeSummaries(rep)
	rep.Summary.Exemplars = runrecord.TopExemplars(rep.Exemplars, k)
	began := rep.Runs[0].Start
	for _, r := range rep.Runs {
		if r.Start.Before(began) {
			began = r.Start
		}
	}
	s := rep.Summary
	lastEnd := began.Add(s.Duration + s.Wait)
	if rep.Summary.Groups, err = rep.mergeGroups(rows, began, s.Duration, lastEnd); err != nil {
		return nil, err
	}
	rep.Summary.Scenarios = rep.mergeScenarios(rep.Summary.Groups, began, s.Duration, lastEnd)
	for _, r := range rep.Runs {
		if f := r.Summary.GroupFolding; f != nil {
			rep.Summary.GroupFolding = f // shards of one attack fold alike
			break
		}
	}
	return rep, nil
}

// ExemplarsPerInterval is how many exemplars each interval of the runs
// kept: the most any of them kept (shards of one attack keep the same).
func ExemplarsPerInterval(runs []*runrecord.Run) int {
	k := 0
	for _, r := range runs {
		k = max(k, r.Plan.Exemplars)
	}
	if k == 0 {
		k = runrecord.DefaultExemplars
	}
	return k
}

// TraceLink is the trace viewer URL template the runs were recorded with
// ("" when none): the first run's that has one.
func TraceLink(runs []*runrecord.Run) string {
	for _, r := range runs {
		if t := r.Plan.Trace; t != nil && t.Link != "" {
			return t.Link
		}
	}
	return ""
}

// checkMergeable refuses runs that cannot be summed into one: the same run
// twice (its requests would count twice), records of different kinds or
// latency intervals.
func checkMergeable(dirs []string, runs []*runrecord.Run) error {
	if len(runs) < 2 {
		return nil
	}
	seen := map[string]string{}
	for i, r := range runs {
		if r.Kind != runrecord.KindAttack {
			return &runrecord.RecordError{Path: dirs[i], Problem: fmt.Sprintf("a %s record cannot be merged with others (only attacks, such as the shards of one, can)", r.Kind)}
		}
		if r.Interval != runs[0].Interval {
			return &runrecord.RecordError{Path: dirs[i], Problem: fmt.Sprintf("its latency interval (%s) differs from %s's (%s): the runs cannot be merged interval by interval",
				time.Duration(r.Interval), dirs[0], time.Duration(runs[0].Interval))}
		}
		if r.RunID == "" {
			continue
		}
		if other, dup := seen[r.RunID]; dup {
			return &runrecord.RecordError{Path: dirs[i], Problem: fmt.Sprintf("is the same run as %s (run %s): merging it twice would count its requests twice", other, r.RunID)}
		}
		seen[r.RunID] = dirs[i]
	}
	return nil
}

// mergeSummaries combines shard summaries; latency comes from the merged
// histograms, never from averaging percentiles.
func mergeSummaries(rep *Report) runrecord.Summary {
	c := runrecord.NewCounts()
	var (
		began            time.Time
		sendEnd, lastEnd time.Time
		missed, retries  uint64
	)
	for _, r := range rep.Runs {
		s := r.Summary
		addCounts(&c, s)
		missed += s.Missed
		retries += s.Retries
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
	c.LastEnd = lastEnd
	s := runrecord.Series{Latency: rep.Latency, Service: rep.Service, Lag: rep.Lag}
	if s.Latency == nil {
		s = runrecord.NewSeries(int64(time.Hour))
	}
	sum := runrecord.Summarize(s, c, began, sendEnd.Sub(began), missed)
	sum.Retries = retries
	sum.Target = mergeTargets(rep.Runs)
	na := true
	for _, r := range rep.Runs {
		na = na && r.Summary.DispatchLag.NotApplicable
	}
	if na {
		sum.DispatchLag = runrecord.Lag{NotApplicable: true}
	}
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
