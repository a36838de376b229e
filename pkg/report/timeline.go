package report

import (
	"sort"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// LoadTimeline reads the target timeline (target.jsonl) of the report's
// runs, baseline rows left out, in time order. Shards of one attack usually
// watch the same target, and their collectors see the same process: the
// timeline is taken from the first run that has one rather than
// interleaving near-duplicate rows from several.
func LoadTimeline(rep *Report) ([]runrecord.TargetSample, error) {
	for _, d := range rep.Dirs {
		rows, err := runrecord.ReadTargetSamples(d)
		if err != nil {
			return nil, err
		}
		out := rows[:0]
		for _, r := range rows {
			if !r.Baseline {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			continue
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].TimeMs < out[j].TimeMs })
		return out, nil
	}
	return nil, nil
}
