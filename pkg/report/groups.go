package report

import (
	"io"
	"math"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// GroupPoints are one endpoint group's per-interval figures.
type GroupPoints struct {
	Name      string
	Intervals []Point
}

// groupState is what a Report knows of its groups' intervals: read from
// the groups logs on first use (a single record's summary needs none of
// it), or while merging records.
type groupState struct {
	once   sync.Once
	points []GroupPoints
	err    error
	// totals are the groups' merged histograms, when records were merged.
	totals map[string]runrecord.SparseSeries
}

// tagNames maps each record's group index to its name.
func (r *Report) tagNames() [][]string {
	out := make([][]string, len(r.Runs))
	for i, run := range r.Runs {
		for _, g := range run.Summary.Groups {
			if g.Tag == "" {
				continue
			}
			n, ok := runrecord.GroupIndex(g.Tag)
			if !ok {
				continue
			}
			for len(out[i]) <= n {
				out[i] = append(out[i], "")
			}
			out[i][n] = g.Name
		}
	}
	return out
}

// groupErrors are each group's errors per interval start, from the
// records' intervals.jsonl, by group name.
func (r *Report) groupErrors(rows [][]runrecord.Interval) map[string]map[int64]uint64 {
	out := map[string]map[int64]uint64{}
	for i, run := range r.Runs {
		byTag := map[string]string{}
		for _, g := range run.Summary.Groups {
			if g.Tag != "" {
				byTag[g.Tag] = g.Name
			}
		}
		for _, row := range rows[i] {
			for tag, n := range row.GroupErrors {
				name, ok := byTag[tag]
				if !ok {
					continue
				}
				if out[name] == nil {
					out[name] = map[int64]uint64{}
				}
				out[name][row.StartMs] += n
			}
		}
	}
	return out
}

// GroupIntervals returns each endpoint group's per-interval figures, in
// the order of Summary.Groups (nil when the run has fewer than two
// groups). A single record's are read from its groups log on first use.
func (r *Report) GroupIntervals() ([]GroupPoints, error) {
	r.groups.once.Do(func() {
		if r.groups.points != nil || len(r.Summary.Groups) < 2 {
			return
		}
		rows := make([][]runrecord.Interval, len(r.Dirs))
		for i, d := range r.Dirs {
			if rows[i], r.groups.err = runrecord.ReadIntervals(d); r.groups.err != nil {
				return
			}
		}
		onlyLatency := func(s string) bool { return s == runrecord.TagLatency }
		names := make([]string, len(r.Summary.Groups))
		for i, g := range r.Summary.Groups {
			names[i] = g.Name
		}
		r.groups.points, _, r.groups.err = r.readGroups(rows, names, onlyLatency)
	})
	return r.groups.points, r.groups.err
}

// readGroups streams the records' groups logs: every group's points (in
// the order of names, then any other the logs hold) and, when all series
// are read, its merged histograms.
func (r *Report) readGroups(rows [][]runrecord.Interval, names []string, want func(string) bool) ([]GroupPoints, map[string]runrecord.SparseSeries, error) {
	errs := r.groupErrors(rows)
	byName := map[string]*GroupPoints{}
	totals := map[string]runrecord.SparseSeries{}
	var order []string
	err := runrecord.MergeGroupHlogs(r.Dirs, r.tagNames(), want, func(start, end int64, groups map[string]runrecord.SparseSeries) error {
		for name, s := range groups {
			gp := byName[name]
			if gp == nil {
				gp = &GroupPoints{Name: name}
				byName[name] = gp
				order = append(order, name)
			}
			gp.Intervals = append(gp.Intervals, pointOf(start, end, s, errs[name][start]))
			if s.Service != nil && s.Lag != nil {
				totals[name] = addGroup(totals[name], s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	// In the given order, groups the logs never saw included (empty).
	var out []GroupPoints
	seen := map[string]bool{}
	for _, name := range names {
		seen[name] = true
		if gp := byName[name]; gp != nil {
			out = append(out, *gp)
		} else {
			out = append(out, GroupPoints{Name: name})
		}
	}
	for _, name := range order {
		if !seen[name] {
			out = append(out, *byName[name])
		}
	}
	return out, totals, nil
}

// pointOf is a group's figures for one interval.
func pointOf(start, end int64, s runrecord.SparseSeries, errors uint64) Point {
	p := Point{StartMs: start, EndMs: end, Count: s.Latency.TotalCount(), Errors: errors}
	if p.Count > 0 {
		v := s.Latency.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
		p.P50, p.P90, p.P99, p.P999 = time.Duration(v[0]), time.Duration(v[1]), time.Duration(v[2]), time.Duration(v[3])
		p.Max = time.Duration(s.Latency.Max())
		if s.Service != nil {
			p.ServiceP99 = time.Duration(s.Service.ValueAtPercentile(99))
		}
		if s.Lag != nil {
			p.LagP99 = time.Duration(s.Lag.ValueAtPercentile(99))
		}
	}
	return p
}

// addGroup adds s into total (total may be empty); s is not kept.
func addGroup(total, s runrecord.SparseSeries) runrecord.SparseSeries {
	if total.Latency == nil {
		return runrecord.SparseSeries{Latency: s.Latency.Clone(), Service: s.Service.Clone(), Lag: s.Lag.Clone()}
	}
	total.Merge(s)
	return total
}

// mergeGroups builds the merged records' group summaries: latency from the
// groups logs' histograms summed over records and intervals, counts added
// from each record's group summaries. It also keeps the groups' points.
func (r *Report) mergeGroups(rows [][]runrecord.Interval, began time.Time, sending time.Duration, lastEnd time.Time) ([]runrecord.GroupSummary, error) {
	type acc struct {
		g runrecord.GroupSummary
		c runrecord.Counts
	}
	var order []string
	byName := map[string]*acc{}
	single := true // every record is one untagged group of the same name
	for _, run := range r.Runs {
		gs := run.Summary.Groups
		if len(gs) != 1 || gs[0].Tag != "" || (len(order) > 0 && order[0] != gs[0].Name) {
			single = false
		}
		for _, g := range gs {
			a := byName[g.Name]
			if a == nil {
				a = &acc{g: runrecord.GroupSummary{Name: g.Name, Scenario: g.Scenario, Targets: g.Targets}, c: runrecord.NewCounts()}
				a.c.LastEnd = lastEnd
				byName[g.Name] = a
				order = append(order, g.Name)
			}
			addCounts(&a.c, g.Summary)
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	if single {
		// The run is its one group: the merged summary is the group's.
		g := byName[order[0]].g
		g.Summary = r.Summary
		return []runrecord.GroupSummary{g}, nil
	}
	points, totals, err := r.readGroups(rows, order, nil)
	if err != nil {
		return nil, err
	}
	r.groups.points = points
	r.groups.totals = totals
	out := make([]runrecord.GroupSummary, 0, len(order))
	for i, name := range order {
		a := byName[name]
		a.g.Tag = runrecord.GroupTag(i)
		a.g.Summary = runrecord.SummarizeGroup(totals[name], a.c, began, sending)
		out = append(out, a.g)
	}
	return out, nil
}

// mergeScenarios builds the merged records' scenario summaries: each
// scenario's own counts (sent, due, missed) added over the records, its
// latency from its groups' merged histograms (mergeGroups ran first).
func (r *Report) mergeScenarios(groups []runrecord.GroupSummary, began time.Time, sending time.Duration, lastEnd time.Time) []runrecord.ScenarioSummary {
	type acc struct {
		s runrecord.ScenarioSummary
		c runrecord.Counts
	}
	var order []string
	byName := map[string]*acc{}
	for _, run := range r.Runs {
		for _, sc := range run.Summary.Scenarios {
			a := byName[sc.Name]
			if a == nil {
				a = &acc{s: runrecord.ScenarioSummary{Name: sc.Name, Schedule: sc.Schedule}, c: runrecord.NewCounts()}
				a.c.LastEnd = lastEnd
				byName[sc.Name] = a
				order = append(order, sc.Name)
			}
			a.s.Sent += sc.Sent
			a.s.Due += sc.Due
			a.s.Missed += sc.Missed
			addCounts(&a.c, sc.Summary)
		}
	}
	var out []runrecord.ScenarioSummary
	for _, name := range order {
		a := byName[name]
		var total runrecord.SparseSeries
		a.s.Groups = []string{}
		for _, g := range groups {
			if g.Scenario != name {
				continue
			}
			a.s.Groups = append(a.s.Groups, g.Name)
			if t, ok := r.groups.totals[g.Name]; ok {
				total = addGroup(total, t)
			}
		}
		missed := a.s.Missed
		a.s.Summary = runrecord.SummarizeGroup(total, a.c, began, sending)
		a.s.Missed = missed
		if len(groups) == 1 {
			// One group: the scenario is the whole run.
			sent, due := a.s.Sent, a.s.Due
			a.s.Summary = r.Summary
			a.s.Sent, a.s.Due, a.s.Missed = sent, due, missed
			a.s.Summary.Groups, a.s.Summary.Scenarios = nil, nil
		}
		out = append(out, a.s)
	}
	return out
}

// addCounts adds a summary's counts into c.
func addCounts(c *runrecord.Counts, s runrecord.Summary) {
	c.Requests += s.Requests
	c.Success += uint64(math.Round(s.SuccessRatio * float64(s.Requests)))
	c.BytesIn += s.BytesIn
	c.BytesOut += s.BytesOut
	for k, v := range s.StatusCodes {
		c.Codes[k] += v
	}
	for _, e := range s.Errors {
		c.Errors.Add(e.Message, e.Count)
	}
}

// WriteGroupsLog writes the records' groups logs merged, by group name and
// absolute interval, as one groups log whose group i is Summary.Groups[i]
// (and tagged as its Tag says): what a merged run record holds. It writes
// nothing when the report has fewer than two groups.
func (r *Report) WriteGroupsLog(w io.Writer, runID string) error {
	gs := r.Summary.Groups
	if len(gs) < 2 || gs[0].Tag == "" {
		return nil
	}
	names := make([]string, len(gs))
	for i, g := range gs {
		names[i] = g.Name
	}
	gw := runrecord.NewGroupHlogWriter(w, runID, names)
	return runrecord.MergeGroupHlogs(r.Dirs, r.tagNames(), nil, func(start, end int64, groups map[string]runrecord.SparseSeries) error {
		for i, name := range names {
			if s, ok := groups[name]; ok {
				if err := gw.WriteGroup(start, end, i, s); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
