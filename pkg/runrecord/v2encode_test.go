package runrecord

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The hand-written encoder writes exactly the lines hdrhistogram-go's own
// log writer writes, for empty, narrow, wide and extreme histograms, so
// every reader of the format reads them.
func TestIntervalEncoderMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var enc intervalEncoder
	for i, fill := range []func(h *hdr.PackedHistogram){
		func(*hdr.PackedHistogram) {},
		func(h *hdr.PackedHistogram) { h.RecordValue(int64(time.Millisecond)) },
		func(h *hdr.PackedHistogram) { h.RecordValue(0); h.RecordValue(1) },
		func(h *hdr.PackedHistogram) {
			for j := 0; j < 5000; j++ {
				h.RecordValue(int64(rng.ExpFloat64() * 3e6))
			}
		},
		func(h *hdr.PackedHistogram) {
			for j := 0; j < 300; j++ {
				h.RecordValues(rng.Int64N(int64(time.Hour)), rng.Int64N(1<<40)+1)
			}
			h.RecordValue(int64(time.Hour))
		},
		func(h *hdr.PackedHistogram) { h.RecordValues(int64(50*time.Millisecond), 1<<62) },
	} {
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
	var enc intervalEncoder // one encoder for every case, as HlogWriter keeps it
	for i, fill := range []func(h *hdr.Histogram){
		func(*hdr.Histogram) {},
		func(h *hdr.Histogram) { h.RecordValue(int64(time.Millisecond)) },
		func(h *hdr.Histogram) { h.RecordValue(0); h.RecordValue(1) },
		func(h *hdr.Histogram) {
			for j := 0; j < 5000; j++ {
				h.RecordValue(int64(rng.ExpFloat64() * 3e6))
			}
		},
		func(h *hdr.Histogram) {
			for j := 0; j < 300; j++ {
				h.RecordValues(rng.Int64N(int64(time.Hour)), rng.Int64N(1<<40)+1)
			}
			h.RecordValue(int64(time.Hour))
		},
		func(h *hdr.Histogram) {
			o := hdr.New(HistogramLowest, int64(time.Hour), HistogramSigFigs)
			o.RecordValues(int64(50*time.Millisecond), 7)
			h.RecordValue(int64(time.Microsecond))
			h.Merge(o)
		},
	} {
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
	var buf bytes.Buffer
	b.Run("loadgen", func(b *testing.B) {
		var enc intervalEncoder
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			enc.writeLine(&buf, h, "g1", 1000, 2000, 0)
		}
	})
	b.Run("hdrhistogram-go", func(b *testing.B) {
		lw := hdr.NewHistogramLogWriter(&buf)
		h.SetTag("g1")
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			lw.OutputIntervalPackedHistogram(h)
		}
	})
}

func BenchmarkHistogramLine(b *testing.B) {
	h := hdr.New(HistogramLowest, int64(time.Hour), HistogramSigFigs)
	rng := rand.New(rand.NewPCG(1, 2))
	for j := 0; j < 5000; j++ {
		h.RecordValue(int64(1e5 + rng.ExpFloat64()*3e6))
	}
	h.SetTag(TagService)
	var buf bytes.Buffer
	b.Run("loadgen", func(b *testing.B) {
		var enc intervalEncoder
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			enc.writeHistogramLine(&buf, h, 0)
		}
	})
	b.Run("hdrhistogram-go", func(b *testing.B) {
		lw := hdr.NewHistogramLogWriter(&buf)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			lw.OutputIntervalHistogram(h)
		}
	})
}
