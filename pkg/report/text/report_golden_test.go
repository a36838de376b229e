package text_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/text"
)

// The text summary of each golden record (the shards merged, the capacity
// search with its step table, a run with the collector's target figures)
// is byte for byte its golden output (regenerate with -update after
// checking the diff).
func TestReportTextGolden(t *testing.T) {
	for name, dirs := range goldenrecords.Summaries() {
		t.Run(name, func(t *testing.T) {
			rep, err := report.Load(goldenrecords.Dirs(dirs...)...)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := text.Write(&got, rep.Summary); err != nil {
				t.Fatal(err)
			}
			if c := rep.Summary.Capacity; c != nil {
				if err := text.WriteCapacity(&got, c); err != nil {
					t.Fatal(err)
				}
			}
			goldenrecords.Golden(t, filepath.Join("testdata", "report_"+name+".golden"), got.Bytes(), *update)
		})
	}
}
