package runrecord

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// recorder is what the test cases fill: a plain or a packed histogram.
type recorder interface {
	RecordValue(v int64) error
	RecordValues(v, n int64) error
}

// fills are histograms empty, narrow, wide and extreme.
func fills(rng *rand.Rand) []func(h recorder) {
	return []func(h recorder){
		func(recorder) {},
		func(h recorder) { h.RecordValue(int64(time.Millisecond)) },
		func(h recorder) { h.RecordValue(0); h.RecordValue(1) },
		func(h recorder) {
			for j := 0; j < 5000; j++ {
				h.RecordValue(int64(rng.ExpFloat64() * 3e6))
			}
		},
		func(h recorder) {
			for j := 0; j < 300; j++ {
				h.RecordValues(rng.Int64N(int64(time.Hour)), rng.Int64N(1<<40)+1)
			}
			h.RecordValue(int64(time.Hour))
		},
		func(h recorder) { h.RecordValues(int64(50*time.Millisecond), 1<<62) },
	}
}

// The hand-written encoder writes exactly the lines hdrhistogram-go's own
// log writer writes, for empty, narrow, wide and extreme histograms, so
// every reader of the format reads them.
func TestIntervalEncoderMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var enc intervalEncoder
	for i, fill := range fills(rng) {
		h := hdr.NewPacked(HistogramLowest, int64(time.Hour), HistogramSigFigs)
		fill(h)
		start, end, base := int64(1_700_000_123_450), int64(1_700_000_124_450), int64(1_700_000_000_000)
		var want bytes.Buffer
		lw := hdr.NewHistogramLogWriter(&want)
		lw.SetBaseTime(base)
		h.SetTag("g7.service")
		h.SetStartTimeMs(start)
		h.SetEndTimeMs(end)
		if err := lw.OutputIntervalPackedHistogram(h); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := enc.writeLine(&got, h, "g7.service", start, end, base); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("case %d: line differs from the library's\n got %.200s\nwant %.200s", i, got.Bytes(), want.Bytes())
		}
	}
}

// The run's own latency.hlog (plain histograms, tagged and untagged)
// gets the library's lines too, byte for byte.
func TestHistogramLineMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var enc intervalEncoder      // one encoder for every case, as HlogWriter keeps it
	merged := func(h recorder) { // a merge, the way the run's totals are made
		o := hdr.New(HistogramLowest, int64(time.Hour), HistogramSigFigs)
		o.RecordValues(int64(50*time.Millisecond), 7)
		h.RecordValue(int64(time.Microsecond))
		h.(*hdr.Histogram).Merge(o)
	}
	for i, fill := range append(fills(rng), merged) {
		for _, tag := range []string{TagLatency, TagService, TagLag} {
			h := hdr.New(HistogramLowest, int64(time.Hour), HistogramSigFigs)
			fill(h)
			base := int64(1_700_000_000_000)
			h.SetTag(tag)
			h.SetStartTimeMs(1_700_000_123_450)
			h.SetEndTimeMs(1_700_000_124_450)
			var want bytes.Buffer
			lw := hdr.NewHistogramLogWriter(&want)
			lw.SetBaseTime(base)
			if err := lw.OutputIntervalHistogram(h); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := enc.writeHistogramLine(&got, h, base); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("case %d tag %q: line differs from the library's\n got %.200s\nwant %.200s", i, tag, got.Bytes(), want.Bytes())
			}
		}
	}
}

func BenchmarkIntervalEncoder(b *testing.B) {
	h := hdr.NewPacked(HistogramLowest, int64(time.Hour), HistogramSigFigs)
	rng := rand.New(rand.NewPCG(1, 2))
	for j := 0; j < 200; j++ {
		h.RecordValue(int64(1e6 + rng.ExpFloat64()*3e6))
	}
	h.SetTag("g1")
	benchLines(b,
		func(e *intervalEncoder, w *bytes.Buffer) { e.writeLine(w, h, "g1", 1000, 2000, 0) },
		func(lw *hdr.HistogramLogWriter) { lw.OutputIntervalPackedHistogram(h) })
}

func BenchmarkHistogramLine(b *testing.B) {
	h := hdr.New(HistogramLowest, int64(time.Hour), HistogramSigFigs)
	rng := rand.New(rand.NewPCG(1, 2))
	for j := 0; j < 5000; j++ {
		h.RecordValue(int64(1e5 + rng.ExpFloat64()*3e6))
	}
	h.SetTag(TagService)
	benchLines(b,
		func(e *intervalEncoder, w *bytes.Buffer) { e.writeHistogramLine(w, h, 0) },
		func(lw *hdr.HistogramLogWriter) { lw.OutputIntervalHistogram(h) })
}

// benchLines times one interval line written by intervalEncoder against
// the same line written by hdrhistogram-go's log writer.
func benchLines(b *testing.B, ours func(*intervalEncoder, *bytes.Buffer), lib func(*hdr.HistogramLogWriter)) {
	var buf bytes.Buffer
	b.Run("loadgen", func(b *testing.B) {
		var enc intervalEncoder
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			ours(&enc, &buf)
		}
	})
	b.Run("hdrhistogram-go", func(b *testing.B) {
		lw := hdr.NewHistogramLogWriter(&buf)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			lib(lw)
		}
	})
}

// The run's own log records its open interval in sparse series and writes
// them with WriteSparseInterval: the file must be the one dense series
// would give, line for line, so nothing that reads latency.hlog changes.
func TestSparseLinesMatchDense(t *testing.T) {
	n := len(fills(rand.New(rand.NewPCG(5, 6))))
	for i := range n {
		// The same values into both, a different fill in each series:
		// each side draws from its own copy of the generator.
		dense, sparse := NewSeries(int64(time.Hour)), NewSparseSeries(int64(time.Hour))
		for j, h := range []recorder{dense.Latency, dense.Service, dense.Lag} {
			fills(rand.New(rand.NewPCG(5, 6)))[(i+j)%n](h)
		}
		for j, h := range []recorder{sparse.Latency, sparse.Service, sparse.Lag} {
			fills(rand.New(rand.NewPCG(5, 6)))[(i+j)%n](h)
		}
		var want, got bytes.Buffer
		dw, sw := NewHlogWriter(&want, "run"), NewHlogWriter(&got, "run")
		for k := range int64(2) { // a second interval reuses the encoder
			start := int64(1_700_000_123_000) + k*1000
			if err := dw.WriteInterval(start, start+1000, dense); err != nil {
				t.Fatal(err)
			}
			if err := sw.WriteSparseInterval(start, start+1000, sparse); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("fill %d: sparse log differs from dense:\n got %q\nwant %q", i, got.String(), want.String())
		}
	}
}
