package recording

import (
	"bufio"
	"errors"
	"path/filepath"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// groupRecorder keeps each endpoint group's three series, status codes and
// errors, beside the run's own. Histograms are sparse (packed, a few KiB)
// and a group's are made on its first result, so memory grows with the
// number of groups (bounded by the group limit), never with run length.
//
// Each interval's group histograms are encoded and written to groups.hlog
// by a goroutine of their own: encoding costs about a millisecond per
// histogram (hdrhistogram-go compresses each with a fresh zlib writer),
// and doing that for every group under the recorder's lock would hold up
// every worker waiting to record. The closed interval's histograms are
// handed over whole and come back to be reused.
type groupRecorder struct {
	of    []int // target -> group
	names []string
	// namesFn, with targets read during the attack, gives the groups made
	// so far (names is refreshed from it as intervals close).
	namesFn func() []string
	highest int64
	st      []*groupState       // nil until the group's first result
	red     *runrecord.Redactor // masks known secrets in error messages

	batches chan groupBatch
	spare   chan runrecord.SparseSeries
	done    chan struct{}
	file    *runrecord.AtomicFile
	buf     *bufio.Writer
	log     *runrecord.GroupHlogWriter
	werr    error // the writer's; read after done
}

// groupState is one group's recording.
type groupState struct {
	cur, total runrecord.SparseSeries
	c          runrecord.Counts
	hot        hotCounts
	curN       uint64
	curErrors  uint64
}

type groupBatch struct {
	startMs, endMs int64
	names          []string // the groups so far, named in the log
	items          []groupItem
	// written, when set, marks no interval: the writer closes it once it
	// has written every batch before it (Recorder.waitWritten).
	written chan struct{}
}

type groupItem struct {
	g int
	s runrecord.SparseSeries
}

// pendingBatches bounds the intervals waiting to be written; past it,
// closing an interval waits for the writer.
const pendingBatches = 4

func newGroupRecorder(dir, runID string, cfg Config, highest int64) (*groupRecorder, error) {
	f, err := runrecord.CreateAtomic(filepath.Join(dir, runrecord.GroupsLog))
	if err != nil {
		return nil, err
	}
	names, places := cfg.Groups, len(cfg.Groups)
	if cfg.GroupNames != nil {
		names, places = cfg.GroupNames(), max(cfg.MaxGroups, 1)
	}
	buf := bufio.NewWriter(f)
	g := &groupRecorder{
		of:      cfg.GroupOf,
		red:     cfg.Redactor,
		names:   names,
		namesFn: cfg.GroupNames,
		highest: highest,
		st:      make([]*groupState, places),
		batches: make(chan groupBatch, pendingBatches),
		spare:   make(chan runrecord.SparseSeries, 2*places),
		done:    make(chan struct{}),
		file:    f,
		buf:     buf,
		log:     runrecord.NewGroupHlogWriter(buf, runID, nil),
	}
	go g.write()
	return g, nil
}

// write encodes closed intervals to groups.hlog until close.
func (g *groupRecorder) write() {
	defer close(g.done)
	for b := range g.batches {
		if b.written != nil {
			close(b.written)
			continue
		}
		g.log.SetNames(b.names)
		for _, it := range b.items {
			if g.werr == nil {
				g.werr = g.log.WriteGroup(b.startMs, b.endMs, it.g, it.s)
			}
			it.s.Reset()
			select {
			case g.spare <- it.s:
			default:
			}
		}
	}
}

// group returns the group of a result's target.
func (g *groupRecorder) group(res *attack.Result) int {
	if res.Lazy != nil {
		if t := res.Lazy.Tag; t >= 0 && t < len(g.st) {
			return t
		}
		return 0
	}
	if res.Target < 0 || res.Target >= len(g.of) {
		return 0
	}
	return g.of[res.Target]
}

// refresh takes the groups made so far, with targets read during the
// attack. Called under the recorder's lock.
func (g *groupRecorder) refresh() {
	if g.namesFn != nil {
		g.names = g.namesFn()
	}
}

// record adds a result to its group. Called under the recorder's lock.
func (g *groupRecorder) record(res *attack.Result) {
	i := g.group(res)
	st := g.st[i]
	if st == nil {
		st = &groupState{cur: g.series(), total: runrecord.NewSparseSeries(g.highest), c: runrecord.NewCounts(), hot: newHotCounts()}
		g.st[i] = st
	}
	runrecord.RecordPacked(st.cur.Latency, int64(res.Latency))
	runrecord.RecordPacked(st.cur.Service, int64(res.Service))
	runrecord.RecordPacked(st.cur.Lag, int64(res.Lag))
	st.curN++
	st.c.Requests++
	st.c.BytesIn += res.BytesIn
	st.c.BytesOut += res.BytesOut
	st.hot.codes[res.Code]++
	if res.Error == "" {
		st.c.Success++
	} else {
		st.curErrors++
		st.hot.addError(&st.c, res.Error, g.red)
	}
	if res.End.After(st.c.LastEnd) {
		st.c.LastEnd = res.End
	}
}

// series returns empty group series, reused when the writer gave one back.
func (g *groupRecorder) series() runrecord.SparseSeries {
	select {
	case s := <-g.spare:
		return s
	default:
		return runrecord.NewSparseSeries(g.highest)
	}
}

// stats describes each group's closing interval (for progress and the
// capacity search's early stop). Called under the lock, before closeInterval.
func (g *groupRecorder) stats() []GroupStats {
	g.refresh()
	out := make([]GroupStats, len(g.names))
	for i, st := range g.st[:len(g.names)] {
		out[i].Name = g.names[i]
		if st == nil {
			continue
		}
		out[i].Completed = st.curN
		out[i].Errors = st.curErrors
		out[i].Requests = st.c.Requests
		out[i].ErrorsSoFar = st.c.Requests - st.c.Success
		if st.curN > 0 {
			out[i].P50 = time.Duration(st.cur.Latency.ValueAtPercentile(50))
			out[i].P99 = time.Duration(st.cur.Latency.ValueAtPercentile(99))
			out[i].ServiceP50 = time.Duration(st.cur.Service.ValueAtPercentile(50))
		}
	}
	return out
}

// closeInterval hands the interval's histograms to the writer and returns
// the errors of the groups that had any, by tag. Called under the lock.
func (g *groupRecorder) closeInterval(startMs, endMs int64) map[string]uint64 {
	var errs map[string]uint64
	g.refresh()
	b := groupBatch{startMs: startMs, endMs: endMs, names: g.names}
	for i, st := range g.st {
		if st == nil || st.curN == 0 {
			continue
		}
		st.total.Merge(st.cur)
		b.items = append(b.items, groupItem{g: i, s: st.cur})
		st.cur = g.series()
		if st.curErrors > 0 {
			if errs == nil {
				errs = map[string]uint64{}
			}
			errs[runrecord.GroupTag(i)] = st.curErrors
		}
		st.curN, st.curErrors = 0, 0
	}
	if len(b.items) > 0 {
		g.batches <- b
	}
	return errs
}

// close waits for the writer and commits groups.hlog (after the last
// interval was closed).
func (g *groupRecorder) close() error {
	close(g.batches)
	<-g.done
	err := errors.Join(g.werr, g.buf.Flush())
	if err != nil {
		g.file.Discard()
		return err
	}
	return g.file.Commit()
}

// summaries are every group's summary.
func (g *groupRecorder) summaries(began time.Time, sending time.Duration) []runrecord.GroupSummary {
	g.refresh()
	out := make([]runrecord.GroupSummary, len(g.names))
	for i, st := range g.st[:len(g.names)] {
		out[i] = runrecord.GroupSummary{Name: g.names[i], Tag: runrecord.GroupTag(i)}
		if st == nil {
			out[i].Summary = runrecord.SummarizeGroup(runrecord.SparseSeries{}, runrecord.NewCounts(), began, sending)
			continue
		}
		st.hot.fold(&st.c, g.red)
		out[i].Summary = runrecord.SummarizeGroup(st.total, st.c, began, sending)
	}
	return out
}

// scenarioSummaries are every scenario's summary: its groups' histograms
// and counts added up (of maps group to scenario), and its own schedule's
// counts from the attack's outcome. Called after summaries.
func (g *groupRecorder) scenarioSummaries(names []string, of []int, out attack.Outcome) []runrecord.ScenarioSummary {
	res := make([]runrecord.ScenarioSummary, len(names))
	for si, name := range names {
		total := runrecord.NewSparseSeries(g.highest)
		c := runrecord.NewCounts()
		sc := runrecord.ScenarioSummary{Name: name, Groups: []string{}}
		for gi, st := range g.st {
			if gi >= len(of) || of[gi] != si {
				continue
			}
			sc.Groups = append(sc.Groups, g.names[gi])
			if st == nil {
				continue
			}
			total.Merge(st.total)
			addCounts(&c, st.c)
		}
		sc.Summary = runrecord.SummarizeGroup(total, c, out.Began, out.Sending)
		res[si] = withOutcome(sc, out, si)
	}
	return res
}

// withOutcome adds a scenario's own counts (sent, due, missed) from the
// attack's outcome.
func withOutcome(sc runrecord.ScenarioSummary, out attack.Outcome, i int) runrecord.ScenarioSummary {
	if i < len(out.Scenarios) {
		o := out.Scenarios[i]
		sc.Sent, sc.Due, sc.Missed = o.Sent, o.Due, o.Missed
	}
	return sc
}

// addCounts adds b's counts into a.
func addCounts(a *runrecord.Counts, b runrecord.Counts) {
	a.Requests += b.Requests
	a.Success += b.Success
	a.BytesIn += b.BytesIn
	a.BytesOut += b.BytesOut
	for k, v := range b.Codes {
		a.Codes[k] += v
	}
	for _, e := range b.Errors.List() {
		a.Errors.Add(e.Message, e.Count)
	}
	if b.LastEnd.After(a.LastEnd) {
		a.LastEnd = b.LastEnd
	}
}

// GroupStats is one endpoint group's part of IntervalStats.
type GroupStats struct {
	Name       string
	Completed  uint64 // in the interval
	Errors     uint64 // in the interval
	P50, P99   time.Duration
	ServiceP50 time.Duration
	Requests   uint64 // completed so far
	// ErrorsSoFar are the group's failed requests so far.
	ErrorsSoFar uint64
}
