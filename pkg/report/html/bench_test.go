package html_test

import (
	"testing"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/html"
)

// BenchmarkHTMLReportHour renders the HTML report of a one-hour run record
// from disk: "load" reads it (3600 intervals x 3 histograms), "render"
// builds the page (charts' data, pprof's flame graph and top), "total" is
// what `loadgen report -type html` costs.
func BenchmarkHTMLReportHour(b *testing.B) {
	dir := testrecords.HourRecord(b)
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := report.Load(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render", func(b *testing.B) {
		rep, err := report.Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		var size int
		for b.Loop() {
			cw := &countWriter{}
			if err := html.Write(cw, rep); err != nil {
				b.Fatal(err)
			}
			size = cw.n
		}
		b.ReportMetric(float64(size), "page-bytes")
	})
	b.Run("total", func(b *testing.B) {
		for b.Loop() {
			if _, err := html.WriteRecord(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
