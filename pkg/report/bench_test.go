package report_test

import (
	"io"
	"testing"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
)

// BenchmarkCompareHour compares two one-hour run records (the same one).
func BenchmarkCompareHour(b *testing.B) {
	dir := testrecords.HourRecord(b)
	for b.Loop() {
		c, err := report.Compare([]string{dir}, []string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if err := text.WriteCompare(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
