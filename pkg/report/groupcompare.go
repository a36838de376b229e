package report

import (
	"strconv"
	"strings"
	"unicode"
)

// GroupComparison is one endpoint group both sides have: the run's
// metrics that are about requests (latency percentiles, throughput,
// success ratio), on the group's own requests and per-interval figures,
// with the same noise rule. Each metric's Name carries the group, as a
// selector: latency.p99{group=orders}, latency.p99{group="GET /items"}.
type GroupComparison struct {
	Name    string   `json:"name"`
	Metrics []Metric `json:"metrics"`
}

// GroupMetric is the name of a metric of one group, as GroupComparison's
// metrics carry it.
func GroupMetric(metric, group string) string {
	if group == "" || strings.ContainsAny(group, `{}",\<>=`) || strings.IndexFunc(group, unicode.IsSpace) >= 0 {
		group = strconv.Quote(group)
	}
	return metric + "{group=" + group + "}"
}

// compareGroups compares the groups both reports have, in the new side's
// order (nil when neither has two or more).
func compareGroups(base, next *Report) ([]GroupComparison, error) {
	if len(base.Summary.Groups) < 2 && len(next.Summary.Groups) < 2 {
		return nil, nil
	}
	bview, err := groupViews(base)
	if err != nil {
		return nil, err
	}
	nview, err := groupViews(next)
	if err != nil {
		return nil, err
	}
	var out []GroupComparison
	for _, g := range next.Summary.Groups {
		b, ok := bview[g.Name]
		if !ok {
			continue
		}
		gc := GroupComparison{Name: g.Name}
		for _, d := range metricDefs() {
			if !d.perGroup() {
				continue
			}
			m := compareOn(d, b, nview[g.Name], nil, nil)
			m.Name = GroupMetric(d.name, g.Name)
			gc.Metrics = append(gc.Metrics, m)
		}
		out = append(out, gc)
	}
	return out, nil
}

// groupViews are a report's groups, each as a report of its own: the
// group's summary and its per-interval figures. A run of one group is that
// group.
func groupViews(r *Report) (map[string]*Report, error) {
	out := map[string]*Report{}
	gs := r.Summary.Groups
	if len(gs) == 1 {
		out[gs[0].Name] = r
		return out, nil
	}
	pts, err := r.GroupIntervals()
	if err != nil {
		return nil, err
	}
	byName := map[string][]Point{}
	for _, p := range pts {
		byName[p.Name] = p.Intervals
	}
	for _, g := range gs {
		out[g.Name] = &Report{Summary: g.Summary, Intervals: byName[g.Name]}
	}
	return out, nil
}

// perGroup: the metrics a group has (not the target's, and not missed
// slots, which belong to a schedule).
func (d metricDef) perGroup() bool {
	return !strings.HasPrefix(d.name, "target.") && d.name != "missed"
}
