package runrecord

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds of every series: nanoseconds, a 1 µs resolution floor
// and 3 significant figures (DESIGN.md). The highest trackable value is
// chosen per run (at least the request timeout).
const (
	HistogramLowest  = int64(time.Microsecond)
	HistogramSigFigs = 3
)

// hlogComment is the first comment of every latency.hlog loadgen writes:
// it tells a reader of the raw file what the tags mean.
const hlogComment = "[loadgen latency log: untagged = latency from intended send time; Tag=service from actual send; Tag=dispatch_lag; values in ns]"

// Series holds one histogram per latency series of an interval or a run.
type Series struct {
	Latency, Service, Lag *hdr.Histogram
}

// NewSeries returns empty histograms tracking values up to highest ns.
func NewSeries(highest int64) Series {
	return Series{
		Latency: hdr.New(HistogramLowest, highest, HistogramSigFigs),
		Service: hdr.New(HistogramLowest, highest, HistogramSigFigs),
		Lag:     hdr.New(HistogramLowest, highest, HistogramSigFigs),
	}
}

// ByTag returns the histogram of a latency.hlog tag (nil for other tags).
func (s Series) ByTag(tag string) *hdr.Histogram {
	switch tag {
	case TagService:
		return s.Service
	case TagLag:
		return s.Lag
	case TagLatency:
		return s.Latency
	}
	return nil
}

// Reset empties the three histograms.
func (s Series) Reset() {
	s.Latency.Reset()
	s.Service.Reset()
	s.Lag.Reset()
}

// Merge adds o's counts into s.
func (s Series) Merge(o Series) {
	s.Latency.Merge(o.Latency)
	s.Service.Merge(o.Service)
	s.Lag.Merge(o.Lag)
}

// Clone returns a deep copy of s.
func (s Series) Clone() Series {
	return Series{Latency: s.Latency.Clone(), Service: s.Service.Clone(), Lag: s.Lag.Clone()}
}

// RecordClamped adds v to h, clamped into [0, highest] so that no value is
// ever dropped: a response slower than the histogram's range still counts,
// at its ceiling.
func RecordClamped(h *hdr.Histogram, v time.Duration) {
	n := int64(v)
	if n < 0 {
		n = 0
	}
	if hi := h.HighestTrackableValue(); n > hi {
		n = hi
	}
	_ = h.RecordValue(n) // cannot fail inside the range
}

// HlogWriter streams latency intervals to an HdrHistogram interval log in
// the standard format (hdrhistogram-go's HistogramLogWriter), so the
// reference HdrHistogram tools read latency.hlog as it is.
type HlogWriter struct {
	w        io.Writer
	log      *hdr.HistogramLogWriter // the header lines
	enc      intervalEncoder         // the interval lines, the library's bytes (see intervalEncoder)
	runID    string
	wroteHdr bool
}

// NewHlogWriter writes a log to w, of run runID ("" for a log that is no
// run's own, such as several runs merged); the header goes out with the
// first interval, whose start fixes the log's base time.
func NewHlogWriter(w io.Writer, runID string) *HlogWriter {
	hw := &HlogWriter{w: w, log: hdr.NewHistogramLogWriter(w), runID: runID}
	hw.enc.warm()
	return hw
}

// WriteHeader writes the log's header, with a base time from the start
// of the first interval (Unix milliseconds). WriteInterval calls it when
// it has not been called yet.
func (w *HlogWriter) WriteHeader(startMs int64) error {
	if w.wroteHdr {
		return nil
	}
	w.wroteHdr = true
	base := startMs - startMs%1000
	errs := []error{w.log.OutputLogFormatVersion(), w.log.OutputComment(hlogComment)}
	if w.runID != "" {
		errs = append(errs, w.log.OutputComment(hlogRunIDComment+w.runID+"]"))
	}
	errs = append(errs, w.log.OutputStartTime(base), w.log.OutputBaseTime(base))
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("write latency log: %w", err)
		}
	}
	w.log.SetBaseTime(base)
	if err := w.log.OutputLegend(); err != nil {
		return fmt.Errorf("write latency log: %w", err)
	}
	return nil
}

// WriteInterval appends the three series of the interval [startMs, endMs)
// (Unix milliseconds). It sets the histograms' tags and times.
func (w *HlogWriter) WriteInterval(startMs, endMs int64, s Series) error {
	if err := w.WriteHeader(startMs); err != nil {
		return err
	}
	for _, tag := range []string{TagLatency, TagService, TagLag} {
		h := s.ByTag(tag)
		h.SetTag(tag)
		h.SetStartTimeMs(startMs)
		h.SetEndTimeMs(endMs)
		if err := w.enc.writeHistogramLine(w.w, h, w.log.BaseTime()); err != nil {
			return fmt.Errorf("write latency log: %w", err)
		}
	}
	return nil
}

// WriteSparseInterval writes one interval of sparse series: the same
// lines as WriteInterval for the same values (TestSparseLinesMatchDense),
// without the copy of every count that encoding a dense histogram takes
// (Export: ~190 KiB per series, 0.7-1.8 ms each on a 2-vCPU VM, three a
// second, most of it page faults on the fresh copy).
func (w *HlogWriter) WriteSparseInterval(startMs, endMs int64, s SparseSeries) error {
	if err := w.WriteHeader(startMs); err != nil {
		return err
	}
	for _, x := range []struct {
		tag string
		h   *hdr.PackedHistogram
	}{{TagLatency, s.Latency}, {TagService, s.Service}, {TagLag, s.Lag}} {
		if err := w.enc.writeLine(w.w, x.h, x.tag, startMs, endMs, w.log.BaseTime()); err != nil {
			return fmt.Errorf("write latency log: %w", err)
		}
	}
	return nil
}

// HlogReader walks a latency.hlog interval by interval.
type HlogReader struct {
	name    string
	r       *hdr.HistogramLogReader
	pending *hdr.Histogram
}

// NewHlogReader reads a log from r; name is used in errors.
func NewHlogReader(r io.Reader, name string) *HlogReader {
	return &HlogReader{name: name, r: hdr.NewHistogramLogReader(r)}
}

// Next returns the series of the next interval and its start and end in
// Unix milliseconds, or io.EOF after the last one. Series missing from
// the log come back empty.
func (lr *HlogReader) Next() (startMs, endMs int64, s Series, err error) {
	var got []*hdr.Histogram
	for {
		h := lr.pending
		lr.pending = nil
		if h == nil {
			h, err = lr.r.NextIntervalHistogram()
			if err != nil {
				return 0, 0, s, fmt.Errorf("%s: %w", lr.name, err)
			}
		}
		if h == nil {
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
		case TagService:
			s.Service = h
		case TagLag:
			s.Lag = h
		case TagLatency:
			s.Latency = h
		}
	}
	ref := got[0]
	for _, h := range []**hdr.Histogram{&s.Latency, &s.Service, &s.Lag} {
		if *h == nil {
			*h = hdr.New(HistogramLowest, ref.HighestTrackableValue(), HistogramSigFigs)
		}
	}
	return roundMs(ref.StartTimeMs()), roundMs(ref.EndTimeMs()), s, nil
}

// roundMs undoes the float seconds of the log format (x.999 ms -> x+1 ms).
func roundMs(ms int64) int64 { return (ms + 5) / 10 * 10 }

// MergeHlogs streams the latency logs of the run records dirs in time
// order, summing the histograms of intervals that start at the same
// absolute time (shards of one attack line up because intervals are
// aligned to the Unix epoch), and calls fn once per interval. Records
// without a latency log are skipped. HdrHistograms merge exactly, so the
// merged percentiles are those of one histogram of every request.
func MergeHlogs(dirs []string, fn func(startMs, endMs int64, s Series) error) error {
	var next []func() (int64, int64, Series, error)
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, LatencyLog))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read latency log: %w", err)
		}
		defer f.Close()
		next = append(next, NewHlogReader(f, f.Name()).Next)
	}
	return mergeIntervals(next, func(start, end int64, _ []int, parts []Series) error {
		merged := parts[0]
		for _, s := range parts[1:] {
			merged.Merge(s)
		}
		return fn(start, end, merged)
	})
}

// mergeIntervals walks interval streams, each in start order, in start
// order: for every start it hands fn the streams that have an interval
// there (their indexes in next) and those intervals, and the latest end
// among them. It is the merge of shard logs by absolute interval that
// both the latency log and the groups log use.
func mergeIntervals[T any](next []func() (int64, int64, T, error), fn func(start, end int64, from []int, parts []T) error) error {
	type head struct {
		start, end int64
		v          T
	}
	heads := make([]*head, len(next))
	advance := func(i int) error {
		start, end, v, err := next[i]()
		if err == io.EOF {
			heads[i] = nil
			return nil
		}
		if err != nil {
			return err
		}
		heads[i] = &head{start, end, v}
		return nil
	}
	for i := range next {
		if err := advance(i); err != nil {
			return err
		}
	}
	for {
		var start int64
		found := false
		for _, h := range heads {
			if h != nil && (!found || h.start < start) {
				start, found = h.start, true
			}
		}
		if !found {
			return nil
		}
		end := start
		var from []int
		var parts []T
		for i, h := range heads {
			if h == nil || h.start != start {
				continue
			}
			from = append(from, i)
			parts = append(parts, h.v)
			end = max(end, h.end)
			if err := advance(i); err != nil {
				return err
			}
		}
		if err := fn(start, end, from, parts); err != nil {
			return err
		}
	}
}

// WriteMergedHlog writes the latency logs of dirs, merged interval by
// interval (see MergeHlogs), to w in the standard format, as the log of
// run runID ("" when the merged log is no record's own).
func WriteMergedHlog(w io.Writer, runID string, dirs ...string) error {
	hw := NewHlogWriter(w, runID)
	return MergeHlogs(dirs, hw.WriteInterval)
}
