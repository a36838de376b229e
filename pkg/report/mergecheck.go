package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// MergeWarnings says why the runs of a merged report may not belong
// together: merging is for the shards of one attack (the same plan, sent
// at the same time), and summing unrelated runs gives figures of no run.
// Empty for one run or for matching shards.
func (r *Report) MergeWarnings() []string {
	if len(r.Runs) < 2 {
		return nil
	}
	var out []string
	first := r.Runs[0]
	for i, run := range r.Runs[1:] {
		if d := planDifference(first.Plan, run.Plan); d != "" {
			out = append(out, fmt.Sprintf("%s and %s have different plans (%s): merging is meant for the shards of one attack", r.Dirs[0], r.Dirs[i+1], d))
		}
	}
	// Shards start together; runs far apart in time are separate attacks.
	begin, end := first.Start, first.End
	longest := first.End.Sub(first.Start)
	for _, run := range r.Runs[1:] {
		begin, end = minTime(begin, run.Start), maxTime(end, run.End)
		longest = max(longest, run.End.Sub(run.Start))
	}
	if span := end.Sub(begin); span > longest+time.Minute {
		out = append(out, fmt.Sprintf("the runs span %s but the longest lasted %s: they were not sent together, yet their latency intervals are merged by time", span.Round(time.Second), longest.Round(time.Second)))
	}
	return out
}

// planDifference names the first difference between two plans that
// shards of one attack would not have ("" when none).
func planDifference(a, b runrecord.Plan) string {
	if a.Schedule != b.Schedule {
		return fmt.Sprintf("%s vs %s", a.Schedule, b.Schedule)
	}
	ta, tb := targetList(a), targetList(b)
	if !slices.Equal(ta, tb) {
		return "different targets"
	}
	return ""
}

func targetList(p runrecord.Plan) []string {
	out := make([]string, len(p.Targets))
	for i, t := range p.Targets {
		out[i] = t.Method + " " + t.URL
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
