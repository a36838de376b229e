package recording

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Config configures a Recorder.
type Config struct {
	// Interval is the latency interval (default 1 s). Intervals are aligned
	// to multiples of it since the Unix epoch, so shards line up.
	Interval time.Duration
	// Highest is the largest latency tracked (values above are clamped).
	// It must be at least the request timeout; default 1 h.
	Highest time.Duration
	// OnInterval, if set, is called as each interval closes (for progress),
	// in order, from the goroutine that writes latency.hlog, once the
	// interval is written; Close returns after the last call.
	OnInterval func(IntervalStats)
	// Exemplars is how many of the slowest requests each interval keeps in
	// exemplars.jsonl (default runrecord.DefaultExemplars, at most
	// runrecord.MaxExemplars); the run's slowest go to the summary.
	Exemplars int
	// Targets names the attack's targets by index ("GET http://..."),
	// secrets redacted, for the exemplars.
	Targets []string
	// Groups are the names of the run's endpoint groups and GroupOf the
	// group of each target (by attack.Result.Target). With two groups or
	// more, each is recorded on its own too (groups.hlog, the summary's
	// groups); with one, the run is that group.
	Groups  []string
	GroupOf []int
	// GroupNames, for targets read during the attack (a TargetStream:
	// each Result carries its target in Lazy, its group in Lazy.Tag),
	// returns the groups made so far, at most MaxGroups; Groups and
	// GroupOf are then unused and every group is recorded on its own.
	GroupNames func() []string
	MaxGroups  int
	// Scenarios are the names of the attack's scenarios (when it has
	// any) and GroupScenario the scenario of each group: the summary then
	// has each scenario's, its groups added up.
	Scenarios     []string
	GroupScenario []int
	// RunID is the run record's id (runrecord.NewRunID), written into
	// latency.hlog and intervals.jsonl so that they say which run they are.
	RunID string
	// Redactor masks known secrets in error messages (nil: runrecord's
	// rules alone, which every message gets).
	Redactor *runrecord.Redactor
}

// IntervalStats describes an interval that just closed, and the run so far.
type IntervalStats struct {
	Start       time.Time
	Completed   uint64
	Errors      uint64
	P99         time.Duration
	P50         time.Duration // intended-time median of the interval
	ServiceP50  time.Duration // service-latency median of the interval
	Requests    uint64        // all completed so far
	ErrorsSoFar uint64
	End         time.Time // end of the interval

	// HlogHeader is the header of latency.hlog and Hlog the lines this
	// interval appended to it, in the log's own text encoding (every tag
	// the recorder writes): HlogHeader followed by every interval's Hlog
	// is latency.hlog byte for byte, which is how a shard streams its
	// record to a coordinator. Both are valid only during the call.
	HlogHeader, Hlog []byte
	// Groups describe each endpoint group's interval (when the run has
	// several), in the order of Config.Groups.
	Groups []GroupStats
}

// Recorder turns results into HdrHistograms: one per series overall, and one
// per series per interval that is written to latency.hlog as soon as the
// interval closes. Nothing is kept per request, so memory does not grow with
// the length of the run. It is safe for concurrent use.
//
// Encoding an interval (three histograms, compressed) takes milliseconds,
// so it is done by a writer goroutine, not by the Record call that closes
// the interval: the engine records under its own lock, and every worker
// that finished a hit meanwhile would wait, leaving slots due in those
// milliseconds unsent (dispatch lag p99 of milliseconds at 1,000/s).
type Recorder struct {
	mu       sync.Mutex
	cfg      Config
	dir      string
	total    runrecord.Series
	cur      runrecord.SparseSeries // the open interval's: sparse, so encoding it copies no counts
	curStart int64                  // unix ns of the open interval; 0 before the first result
	curRow   runrecord.Interval
	rows     []runrecord.Interval
	c        runrecord.Counts
	hot      hotCounts
	file     *runrecord.AtomicFile
	ex       *exemplars
	groups   *groupRecorder // nil with fewer than two groups
	err      error
	closed   bool

	// The writer goroutine encodes closed intervals into latency.hlog
	// (and calls OnInterval), in order; closed intervals wait in
	// intervals, and their series come back reset through spares.
	intervals chan closedInterval
	spares    chan runrecord.SparseSeries
	wdone     chan struct{}
	// Only the writer uses these until wdone is closed.
	buf  *bufio.Writer
	log  *runrecord.HlogWriter
	werr error
	// chunk collects what the log writer appends, for OnInterval; header
	// keeps the log's header once written.
	chunk, header bytes.Buffer
}

// closedInterval is an interval handed to the writer: its series and,
// for OnInterval, what was known when it closed.
type closedInterval struct {
	startMs, endMs int64
	s              runrecord.SparseSeries
	stats          IntervalStats
	// written, when set, marks no interval: the writer closes it once it
	// has written every interval before it (waitWritten).
	written chan struct{}
}

// pendingIntervals bounds the closed intervals waiting to be written;
// past it, closing an interval waits for the writer.
const pendingIntervals = 4

// New starts recording into run directory dir (which must exist).
func New(dir string, cfg Config) (*Recorder, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Highest < time.Second {
		cfg.Highest = time.Hour
	}
	f, err := runrecord.CreateAtomic(filepath.Join(dir, runrecord.LatencyLog))
	if err != nil {
		return nil, err
	}
	ex, err := newExemplars(dir, cfg.Exemplars, cfg.Targets, targetGroups(cfg), cfg.RunID, cfg.Redactor)
	if ex != nil {
		ex.groupNames = cfg.GroupNames
	}
	if err != nil {
		f.Discard()
		return nil, err
	}
	buf := bufio.NewWriter(f)
	r := &Recorder{
		ex:    ex,
		cfg:   cfg,
		dir:   dir,
		total: runrecord.NewSeries(int64(cfg.Highest)),
		cur:   runrecord.NewSparseSeries(int64(cfg.Highest)),
		c:     runrecord.NewCounts(),
		hot:   newHotCounts(),
		file:  f,
		buf:   buf,

		intervals: make(chan closedInterval, pendingIntervals),
		spares:    make(chan runrecord.SparseSeries, 2),
		wdone:     make(chan struct{}),
	}
	var w io.Writer = buf
	if cfg.OnInterval != nil {
		w = io.MultiWriter(buf, &r.chunk)
	}
	r.log = runrecord.NewHlogWriter(w, cfg.RunID)
	if len(cfg.Groups) > 1 || cfg.GroupNames != nil {
		if r.groups, err = newGroupRecorder(dir, cfg.RunID, cfg, int64(cfg.Highest)); err != nil {
			f.Discard()
			ex.commit(false)
			return nil, err
		}
	}
	// Two spares: the next interval's series is ready while the writer
	// encodes the last one, and memory is the same at any point of a run.
	for range cap(r.spares) {
		r.spares <- runrecord.NewSparseSeries(int64(cfg.Highest))
	}
	go r.writeLog()
	return r, nil
}

// writeLog is the writer goroutine: it writes each closed interval to
// latency.hlog, tells OnInterval, and returns the series for reuse.
func (r *Recorder) writeLog() {
	defer close(r.wdone)
	for iv := range r.intervals {
		if iv.written != nil {
			close(iv.written)
			continue
		}
		if r.header.Len() == 0 {
			r.keepW(r.log.WriteHeader(iv.startMs))
			r.header.Write(r.chunk.Bytes())
			r.chunk.Reset()
		}
		r.keepW(r.log.WriteSparseInterval(iv.startMs, iv.endMs, iv.s))
		if r.cfg.OnInterval != nil {
			st := iv.stats
			st.P99 = time.Duration(iv.s.Latency.ValueAtPercentile(99))
			st.P50 = time.Duration(iv.s.Latency.ValueAtPercentile(50))
			st.ServiceP50 = time.Duration(iv.s.Service.ValueAtPercentile(50))
			st.HlogHeader, st.Hlog = r.header.Bytes(), r.chunk.Bytes()
			r.cfg.OnInterval(st)
			r.chunk.Reset()
		}
		iv.s.Reset()
		select {
		case r.spares <- iv.s:
		default:
		}
	}
}

// waitWritten returns once the writer has written every interval closed
// so far (for tests that look at the files or the heap).
func (r *Recorder) waitWritten() {
	c := make(chan struct{})
	r.intervals <- closedInterval{written: c}
	<-c
	if r.groups != nil {
		c := make(chan struct{})
		r.groups.batches <- groupBatch{written: c}
		<-c
	}
}

func (r *Recorder) keepW(err error) {
	if err != nil && r.werr == nil {
		r.werr = err
	}
}

// series returns a reset series for the next interval.
func (r *Recorder) series() runrecord.SparseSeries {
	select {
	case s := <-r.spares:
		return s
	default:
		return runrecord.NewSparseSeries(int64(r.cfg.Highest))
	}
}

// targetGroups is the group name of each target, for the exemplars, when
// the run has several groups (nil otherwise: the run is its one group).
// The names are shared, so an exemplar costs no allocation for its group.
func targetGroups(cfg Config) []string {
	if len(cfg.Groups) < 2 {
		return nil
	}
	out := make([]string, len(cfg.GroupOf))
	for t, g := range cfg.GroupOf {
		if g >= 0 && g < len(cfg.Groups) {
			out[t] = cfg.Groups[g]
		}
	}
	return out
}

func (r *Recorder) align(t time.Time) int64 {
	ns := t.UnixNano()
	return ns - ns%int64(r.cfg.Interval)
}

// Record adds one result. Its interval is the one its response ended in.
func (r *Recorder) Record(res *attack.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	k := r.align(res.End)
	if r.curStart == 0 {
		r.curStart = k
	} else if k > r.curStart {
		r.flushUntil(k)
	}
	runrecord.RecordClamped(r.total.Latency, res.Latency)
	runrecord.RecordClamped(r.total.Service, res.Service)
	runrecord.RecordClamped(r.total.Lag, res.Lag)
	runrecord.RecordPacked(r.cur.Latency, int64(res.Latency))
	runrecord.RecordPacked(r.cur.Service, int64(res.Service))
	runrecord.RecordPacked(r.cur.Lag, int64(res.Lag))
	r.ex.add(res, r.curStart/int64(time.Millisecond))
	r.curRow.Completed++
	r.c.Requests++
	r.c.BytesIn += res.BytesIn
	r.c.BytesOut += res.BytesOut
	r.hot.codes[res.Code]++
	if res.Error == "" {
		r.c.Success++
	} else {
		r.curRow.Errors++
		r.hot.addError(&r.c, res.Error, r.cfg.Redactor)
	}
	if res.End.After(r.c.LastEnd) {
		r.c.LastEnd = res.End
	}
	if r.groups != nil {
		r.groups.record(res)
	}
}

// Tick closes intervals that ended before now, so quiet intervals (a
// stalled target) still appear in the log on time.
func (r *Recorder) Tick(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	grace := 50 * time.Millisecond
	if r.closed || r.curStart == 0 {
		return
	}
	if k := r.align(now.Add(-grace)); k > r.curStart {
		r.flushUntil(k)
	}
}

// flushUntil writes the open interval and any empty ones up to next.
func (r *Recorder) flushUntil(next int64) {
	iv := int64(r.cfg.Interval)
	for r.curStart < next {
		r.writeInterval()
		r.curStart += iv
		if r.curStart < next-1000*iv { // a clock jump: do not write a million empty rows
			r.curStart = next
		}
	}
}

// writeInterval closes the open interval and hands it to the writer.
// Called under the lock.
func (r *Recorder) writeInterval() {
	startMs := r.curStart / int64(time.Millisecond)
	endMs := (r.curStart + int64(r.cfg.Interval)) / int64(time.Millisecond)
	iv := closedInterval{startMs: startMs, endMs: endMs, s: r.cur}
	r.cur = r.series()
	r.keep(r.ex.closeInterval())
	r.curRow.StartMs = startMs
	var groups []GroupStats
	if r.groups != nil {
		if r.cfg.OnInterval != nil {
			groups = r.groups.stats()
		}
		r.curRow.GroupErrors = r.groups.closeInterval(startMs, endMs)
	}
	r.rows = append(r.rows, r.curRow)
	if r.cfg.OnInterval != nil {
		iv.stats = IntervalStats{
			Start:       time.Unix(0, r.curStart),
			Completed:   r.curRow.Completed,
			Errors:      r.curRow.Errors,
			Requests:    r.c.Requests,
			ErrorsSoFar: r.c.Requests - r.c.Success,
			End:         time.Unix(0, r.curStart+int64(r.cfg.Interval)),
			Groups:      groups,
		}
	}
	r.curRow = runrecord.Interval{}
	r.intervals <- iv
}

func (r *Recorder) keep(err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
}

// Close writes the last interval and commits latency.hlog and
// intervals.jsonl. It returns the summary of everything recorded, given how
// the attack went as a whole.
func (r *Recorder) Close(out attack.Outcome) (runrecord.Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		if r.curStart != 0 {
			r.writeInterval()
		}
		close(r.intervals)
		<-r.wdone
		r.keep(r.werr)
		if r.groups != nil {
			r.keep(r.groups.close())
		}
		r.keep(r.buf.Flush())
		r.keep(r.ex.commit(r.err == nil))
		if r.err != nil {
			r.file.Discard()
		} else {
			r.keep(r.file.Commit())
		}
		if err := runrecord.WriteIntervals(r.dir, r.cfg.RunID, r.rows); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.hot.fold(&r.c, r.cfg.Redactor)
	sum := runrecord.Summarize(r.total, r.c, out.Began, out.Sending, out.Missed)
	sum.Exemplars = r.ex.slowestOfRun()
	sum.Retries = out.Retries
	// Bodies are usually discarded unread by vegeta (-max-body 0), so the
	// wire count is the honest one when there is one.
	if out.WireIn > 0 || out.WireOut > 0 {
		sum.BytesIn, sum.BytesOut = out.WireIn, out.WireOut
	}
	// A group's or scenario's summary lists no slowest requests of its
	// own (the run's name their groups), also when the run is one group.
	whole := sum
	whole.Exemplars = nil
	switch {
	case r.groups != nil:
		sum.Groups = r.groups.summaries(out.Began, out.Sending)
		if len(r.cfg.Scenarios) > 0 {
			sum.Scenarios = r.groups.scenarioSummaries(r.cfg.Scenarios, r.cfg.GroupScenario, out)
		}
	case len(r.cfg.Groups) == 1:
		// One group: the run is that group, and latency.hlog its log.
		sum.Groups = []runrecord.GroupSummary{{Name: r.cfg.Groups[0], Summary: whole}}
		if len(r.cfg.Scenarios) == 1 {
			sc := runrecord.ScenarioSummary{Name: r.cfg.Scenarios[0], Groups: r.cfg.Groups, Summary: whole}
			sum.Scenarios = []runrecord.ScenarioSummary{withOutcome(sc, out, 0)}
		}
	}
	return sum, r.err
}

// Files are the files of the run record a Recorder writes, relative to
// its directory: the run's manifest lists them (runrecord.Seal).
func (r *Recorder) Files() []string {
	files := []string{runrecord.LatencyLog, runrecord.IntervalsFile, runrecord.ExemplarsFile}
	if r.groups != nil {
		files = append(files, runrecord.GroupsLog)
	}
	return files
}

// Snapshot summarises everything recorded so far, as if the attack that
// began at began had sent until now: vegeta's `report -every`. It copies
// what it reports, so the summary stays valid while recording goes on.
func (r *Recorder) Snapshot(began, now time.Time) runrecord.Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := runrecord.NewCounts()
	c.Requests, c.Success, c.BytesIn, c.BytesOut, c.LastEnd = r.c.Requests, r.c.Success, r.c.BytesIn, r.c.BytesOut, r.c.LastEnd
	for k, v := range r.c.Codes {
		c.Codes[k] += v
	}
	for k, v := range r.c.Errors {
		c.Errors.Add(k, v)
	}
	for code, n := range r.hot.codes {
		c.Codes[strconv.Itoa(int(code))] += n
	}
	for msg, n := range r.hot.errs {
		c.Errors.Add(r.cfg.Redactor.Text(msg), n) // as fold does
	}
	total := runrecord.Series{Latency: r.total.Latency.Clone(), Service: r.total.Service.Clone(), Lag: r.total.Lag.Clone()}
	return runrecord.Summarize(total, c, began, max(now.Sub(began), 0), 0)
}
