package collect

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/protodelim"
)

// promAccept prefers the classic text format (the cheapest to parse) and
// takes OpenMetrics when that is all the endpoint speaks.
const promAccept = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"

// promSource scrapes a Prometheus text or OpenMetrics endpoint. Any
// service with the standard process metrics gives CPU and RSS; Go services
// with client_golang's Go collector also give goroutines, heap and GC.
type promSource struct {
	url       string
	f         *fetcher
	maxSeries int

	mu     sync.Mutex
	caveat string
}

func newPromSource(url string, f *fetcher, maxSeries int) *promSource {
	return &promSource{url: url, f: f, maxSeries: maxSeries}
}

func (s *promSource) Name() string { return "metrics " + s.url }

// Caveat says when GC pauses are approximate.
func (s *promSource) Caveat() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caveat
}

func (s *promSource) Sample(ctx context.Context, r *Reading) error {
	b, err := s.f.open(ctx, s.url, promAccept)
	if err != nil {
		return err
	}
	defer b.Close()
	fams, ex, err := decodeFiltered(b, b.hdr, s.maxSeries)
	if err != nil {
		if errors.Is(err, errTooLarge) || errors.Is(err, errTooManySeries) {
			return &cutError{err: err, what: fmt.Sprintf("%s read, %d series", iec(b.read()), ex.series)}
		}
		return s.f.readErr(ctx, err)
	}
	*r = ReadingFromMetrics(fams)
	if r.CPUSeconds == nil && r.RSSBytes == nil && r.GCCount == nil && r.Goroutines == nil {
		return errors.New("no known metric (process_cpu_seconds_total, process_resident_memory_bytes, go_*) in the response")
	}
	caveat := ""
	switch {
	case r.GCPauseSum != nil:
		caveat = "GC pauses from go_gc_duration_seconds: exact when one GC falls in an interval, else the interval's mean pause"
	case r.GCPauseHist != nil:
		caveat = "GC pauses from a pause histogram, at bucket upper bounds"
	}
	s.mu.Lock()
	s.caveat = caveat
	s.mu.Unlock()
	return nil
}

// ParseMetrics decodes a Prometheus exposition (text, OpenMetrics or
// delimited protobuf, per the Content-Type in hdr; text when unknown).
func ParseMetrics(body []byte, hdr http.Header) (map[string]*dto.MetricFamily, error) {
	format := expfmt.ResponseFormat(hdr)
	if format.FormatType() == expfmt.TypeUnknown {
		format = expfmt.NewFormat(expfmt.TypeTextPlain)
	}
	dec := expfmt.NewDecoder(bytes.NewReader(body), format)
	fams := map[string]*dto.MetricFamily{}
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse metrics (%s): %w", format, err)
		}
		fams[mf.GetName()] = mf
	}
	return fams, nil
}

// maxFamilyBytes bounds one family of a protobuf exposition (expfmt's
// protobuf decoder has no limit).
const maxFamilyBytes = 16 << 20

// decodeFiltered decodes an exposition as it streams in, keeping only the
// families loadgen reads: memory does not grow with the series count.
func decodeFiltered(r io.Reader, hdr http.Header, maxSeries int) (map[string]*dto.MetricFamily, exposition, error) {
	if expfmt.ResponseFormat(hdr).FormatType() != expfmt.TypeProtoDelim {
		kept, ex, err := filterExposition(r, maxSeries)
		if err != nil {
			return nil, ex, err
		}
		fams, err := ParseMetrics(kept, hdr)
		return fams, ex, err
	}
	var ex exposition
	fams := map[string]*dto.MetricFamily{}
	br := bufio.NewReader(r)
	opts := protodelim.UnmarshalOptions{MaxSize: maxFamilyBytes}
	for {
		mf := &dto.MetricFamily{}
		err := opts.UnmarshalFrom(br, mf)
		if errors.Is(err, io.EOF) {
			return fams, ex, nil
		}
		if err != nil {
			var big *protodelim.SizeTooLargeError
			if errors.As(err, &big) {
				return nil, ex, fmt.Errorf("%w: a metric family of %s", errTooLarge, iec(int64(big.Size)))
			}
			return nil, ex, fmt.Errorf("parse metrics (protobuf): %w", err)
		}
		ex.series += len(mf.GetMetric())
		if ex.series > maxSeries {
			return nil, ex, fmt.Errorf("%w: more than %d", errTooManySeries, maxSeries)
		}
		if wanted([]byte(mf.GetName())) {
			ex.kept += len(mf.GetMetric())
			fams[mf.GetName()] = mf
		}
	}
}

// ReadingFromMetrics picks the figures loadgen uses out of parsed metrics.
// Families with several series (labels) are summed, as a process exporter
// that splits CPU by mode would need.
func ReadingFromMetrics(fams map[string]*dto.MetricFamily) Reading {
	var r Reading
	r.CPUSeconds = sumValue(fams["process_cpu_seconds_total"])
	r.RSSBytes = sumValue(fams["process_resident_memory_bytes"])
	r.OpenFDs = sumValue(fams["process_open_fds"])
	r.Goroutines = sumValue(fams["go_goroutines"])
	r.Threads = sumValue(fams["go_threads"])
	r.HeapInUse = sumValue(fams["go_memstats_heap_inuse_bytes"])
	if mf := fams["go_gc_duration_seconds"]; mf != nil && len(mf.GetMetric()) > 0 {
		if sm := mf.GetMetric()[0].GetSummary(); sm != nil {
			r.GCCount = f64(float64(sm.GetSampleCount()))
			r.GCPauseSum = f64(sm.GetSampleSum())
		}
	}
	if r.GCCount == nil {
		// runtime/metrics' pause histogram (client_golang's name, then
		// the older one): individual stop-the-world pauses.
		for _, name := range []string{"go_sched_pauses_total_gc_seconds", "go_gc_pauses_seconds"} {
			if h := histogram(fams[name]); h != nil {
				r.GCPauseHist = h
				r.GCCount = f64(h.Counts[len(h.Counts)-1])
				break
			}
		}
	}
	return r
}

// sumValue adds a family's series: counter, gauge or untyped.
func sumValue(mf *dto.MetricFamily) *float64 {
	if mf == nil || len(mf.GetMetric()) == 0 {
		return nil
	}
	total, found := 0.0, false
	for _, m := range mf.GetMetric() {
		var v float64
		switch {
		case m.GetCounter() != nil:
			v = m.GetCounter().GetValue()
		case m.GetGauge() != nil:
			v = m.GetGauge().GetValue()
		case m.GetUntyped() != nil:
			v = m.GetUntyped().GetValue()
		default:
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		total += v
		found = true
	}
	if !found {
		return nil
	}
	return &total
}

// histogram is a family's first classic histogram, cumulative, with a
// final +Inf bucket holding the total count.
func histogram(mf *dto.MetricFamily) *Histogram {
	if mf == nil || len(mf.GetMetric()) == 0 || mf.GetMetric()[0].GetHistogram() == nil {
		return nil
	}
	h := mf.GetMetric()[0].GetHistogram()
	bs := h.GetBucket()
	if len(bs) == 0 {
		return nil
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].GetUpperBound() < bs[j].GetUpperBound() })
	out := &Histogram{}
	for _, b := range bs {
		out.Bounds = append(out.Bounds, b.GetUpperBound())
		out.Counts = append(out.Counts, float64(b.GetCumulativeCount()))
	}
	if !math.IsInf(out.Bounds[len(out.Bounds)-1], 1) {
		out.Bounds = append(out.Bounds, math.Inf(1))
		out.Counts = append(out.Counts, float64(h.GetSampleCount()))
	}
	return out
}
