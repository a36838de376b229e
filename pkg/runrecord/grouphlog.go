package runrecord

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// groupsHlogComment is the first comment of groups.hlog.
const groupsHlogComment = "[loadgen endpoint groups: Tag=gN = latency from intended send time of group N; gN.service from actual send; gN.dispatch_lag; values in ns; names below]"

// GroupHlogWriter streams endpoint groups' interval histograms to
// groups.hlog, a standard HdrHistogram interval log (hdrhistogram-go's
// HistogramLogWriter) in which group i's series are tagged gi,
// gi.service and gi.dispatch_lag, so a reference tool reads one group
// with its tag option. Comments at the top name every group known then;
// a group made later (targets read during the run) is named by a comment
// before its first line.
type GroupHlogWriter struct {
	w        io.Writer
	log      *hdr.HistogramLogWriter // the header lines
	enc      intervalEncoder         // the interval lines
	names    []string
	named    int // names written to the log so far
	runID    string
	base     int64
	wroteHdr bool
}

// NewGroupHlogWriter writes a log of the groups names (index = group) to
// w, of run runID ("" for a log that is no record's own); the header goes
// out with the first interval.
func NewGroupHlogWriter(w io.Writer, runID string, names []string) *GroupHlogWriter {
	return &GroupHlogWriter{w: w, log: hdr.NewHistogramLogWriter(w), names: names, runID: runID}
}

// SetNames gives the groups' names when they become known during the run
// (names extends the earlier ones): new ones are named in the log before
// their first histograms.
func (w *GroupHlogWriter) SetNames(names []string) {
	if len(names) >= len(w.names) {
		w.names = names
	}
}

// WriteGroup appends group i's three series for the interval
// [startMs, endMs) (Unix milliseconds).
func (w *GroupHlogWriter) WriteGroup(startMs, endMs int64, i int, s SparseSeries) error {
	if !w.wroteHdr {
		w.wroteHdr = true
		base := startMs - startMs%1000
		steps := []error{w.log.OutputLogFormatVersion(), w.log.OutputComment(groupsHlogComment)}
		if w.runID != "" {
			// Before the names, which may be many: readers find it early.
			steps = append(steps, w.log.OutputComment(hlogRunIDComment+w.runID+"]"))
		}
		for j, n := range w.names {
			// Names come from URLs and flags; quoting keeps any odd byte
			// on its comment line.
			steps = append(steps, w.log.OutputComment(fmt.Sprintf("[group %s: %s]", GroupTag(j), strconv.Quote(n))))
		}
		w.named = len(w.names)
		steps = append(steps, w.log.OutputStartTime(base), w.log.OutputBaseTime(base))
		for _, err := range steps {
			if err != nil {
				return fmt.Errorf("write groups log: %w", err)
			}
		}
		w.base = base
		if err := w.log.OutputLegend(); err != nil {
			return fmt.Errorf("write groups log: %w", err)
		}
	}
	for ; w.named < len(w.names); w.named++ {
		// A group made during the run (targets read as the attack went)
		// is named where it first appears; readers skip comments.
		if err := w.log.OutputComment(fmt.Sprintf("[group %s: %s]", GroupTag(w.named), strconv.Quote(w.names[w.named]))); err != nil {
			return fmt.Errorf("write groups log: %w", err)
		}
	}
	tag := GroupTag(i)
	for _, x := range []struct {
		h   *hdr.PackedHistogram
		tag string
	}{{s.Latency, tag}, {s.Service, tag + "." + TagService}, {s.Lag, tag + "." + TagLag}} {
		if x.h == nil {
			continue // a series a merged log did not have
		}
		if err := w.enc.writeLine(w.w, x.h, x.tag, startMs, endMs, w.base); err != nil {
			return fmt.Errorf("write groups log: %w", err)
		}
	}
	return nil
}

// GroupHlogReader walks groups.hlog interval by interval.
//
// It parses the interval log itself rather than through hdrhistogram-go's
// HistogramLogReader, which decodes every histogram into a dense counts
// array (about 190 KiB and 1.5 ms each on a 2-core box): a groups log holds
// three histograms per group per interval. This reader decodes sparse
// (DecodePacked: about 1.5 KiB and a tenth of the time) and skips the
// series its caller does not want without decoding them. It reads the
// format as the reference writers write it: comments, the BaseTime and
// StartTime lines, the legend, and "[Tag=T,]start,length,max,payload".
type GroupHlogReader struct {
	name    string
	sc      *bufio.Scanner
	line    int
	base    float64 // seconds; interval starts are relative to it
	want    func(series string) bool
	pending *groupLine
}

type groupLine struct {
	start, end int64
	group      int
	series     string
	h          *hdr.PackedHistogram
}

// NewGroupHlogReader reads a groups log from r; name is used in errors.
// want says which series to decode (TagLatency, TagService, TagLag); nil
// decodes all three.
func NewGroupHlogReader(r io.Reader, name string, want func(series string) bool) *GroupHlogReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	return &GroupHlogReader{name: name, sc: sc, want: want}
}

// Next returns the groups of the next interval (by group index; a series
// not wanted is nil) and the interval's start and end in Unix
// milliseconds, or io.EOF after the last one.
func (r *GroupHlogReader) Next() (startMs, endMs int64, groups map[int]SparseSeries, err error) {
	for {
		l := r.pending
		r.pending = nil
		if l == nil {
			if l, err = r.nextLine(); err != nil {
				if err == io.EOF && groups != nil {
					return startMs, endMs, groups, nil
				}
				return 0, 0, nil, err
			}
		}
		if groups != nil && l.start != startMs {
			r.pending = l
			return startMs, endMs, groups, nil
		}
		if groups == nil {
			groups, startMs, endMs = map[int]SparseSeries{}, l.start, l.end
		}
		s := groups[l.group]
		switch l.series {
		case TagLatency:
			s.Latency = l.h
		case TagService:
			s.Service = l.h
		case TagLag:
			s.Lag = l.h
		}
		groups[l.group] = s
		endMs = max(endMs, l.end)
	}
}

// nextLine returns the next wanted group histogram.
func (r *GroupHlogReader) nextLine() (*groupLine, error) {
	for r.sc.Scan() {
		r.line++
		line := r.sc.Text()
		if rest, ok := strings.CutPrefix(line, "#[BaseTime: "); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if v, err := strconv.ParseFloat(strings.TrimSuffix(f[0], "]"), 64); err == nil {
					r.base = v
				}
			}
			continue
		}
		rest, ok := strings.CutPrefix(line, "Tag=")
		if !ok {
			continue // comments, the legend, untagged intervals: not a group's
		}
		tag, rest, ok := strings.Cut(rest, ",")
		if !ok {
			continue
		}
		group, series, ok := parseGroupTag(tag)
		if !ok || (r.want != nil && !r.want(series)) {
			continue
		}
		f := strings.SplitN(rest, ",", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want start,length,max,histogram after the tag", r.name, r.line)
		}
		start, err1 := strconv.ParseFloat(f[0], 64)
		length, err2 := strconv.ParseFloat(f[1], 64)
		if err := errors.Join(err1, err2); err != nil || math.IsNaN(start+length) || math.IsInf(start+length, 0) || length < 0 {
			return nil, fmt.Errorf("%s:%d: bad interval times %q,%q", r.name, r.line, f[0], f[1])
		}
		h, err := hdr.DecodePacked([]byte(strings.TrimSpace(f[3])))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.name, r.line, err)
		}
		abs := r.base + start
		return &groupLine{
			start:  roundMs(int64(math.Round(abs * 1000))),
			end:    roundMs(int64(math.Round((abs + length) * 1000))),
			group:  group,
			series: series,
			h:      h,
		}, nil
	}
	if err := r.sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	return nil, io.EOF
}

// GroupIndex is the group of a GroupTag ("g3": 3).
func GroupIndex(tag string) (int, bool) {
	n, series, ok := parseGroupTag(tag)
	return n, ok && series == TagLatency
}

// parseGroupTag reads "g3", "g3.service" or "g3.dispatch_lag".
func parseGroupTag(tag string) (group int, series string, ok bool) {
	rest, ok := strings.CutPrefix(tag, "g")
	if !ok {
		return 0, "", false
	}
	num, series, _ := strings.Cut(rest, ".")
	if series != TagLatency && series != TagService && series != TagLag {
		return 0, "", false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || num != strconv.Itoa(n) {
		return 0, "", false
	}
	return n, series, true
}

// MergeGroupHlogs streams the groups logs of the run records dirs in time
// order and calls fn once per interval with every group's series, summed
// over the records by group name (names[i] maps record i's group index to
// its name; shards of one attack share their groups, and other records are
// matched by name). want selects the series to read (nil: all three).
// Records without a groups log are skipped. The series given to fn are
// fn's to keep.
func MergeGroupHlogs(dirs []string, names [][]string, want func(series string) bool, fn func(startMs, endMs int64, groups map[string]SparseSeries) error) error {
	var (
		next   []func() (int64, int64, map[int]SparseSeries, error)
		files  []string
		rnames [][]string
	)
	for i, d := range dirs {
		f, err := os.Open(filepath.Join(d, GroupsLog))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read groups log: %w", err)
		}
		defer f.Close()
		next = append(next, NewGroupHlogReader(f, f.Name(), want).Next)
		files = append(files, f.Name())
		rnames = append(rnames, names[i])
	}
	return mergeIntervals(next, func(start, end int64, from []int, parts []map[int]SparseSeries) error {
		merged := map[string]SparseSeries{}
		for k, i := range from {
			for g, s := range parts[k] {
				if g >= len(rnames[i]) {
					return fmt.Errorf("%s: group %s is not in the record's run.json", files[i], GroupTag(g))
				}
				name := rnames[i][g]
				if have, ok := merged[name]; ok {
					s = mergeSparse(have, s)
				}
				merged[name] = s
			}
		}
		return fn(start, end, merged)
	})
}

// mergeSparse adds b into a, series by series; a nil series takes b's.
func mergeSparse(a, b SparseSeries) SparseSeries {
	add := func(x, y *hdr.PackedHistogram) *hdr.PackedHistogram {
		switch {
		case x == nil:
			return y
		case y != nil:
			x.Merge(y)
		}
		return x
	}
	return SparseSeries{Latency: add(a.Latency, b.Latency), Service: add(a.Service, b.Service), Lag: add(a.Lag, b.Lag)}
}
