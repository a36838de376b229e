package report_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

var update = flag.Bool("update", false, "rewrite golden outputs under testdata/")

// The JSON summary of each golden record (and of the two shards merged)
// is byte for byte its golden output: a change in loading, merging or the
// JSON contract shows as a diff (regenerate with -update after checking).
func TestJSONGolden(t *testing.T) {
	for name, dirs := range goldenrecords.Summaries() {
		t.Run(name, func(t *testing.T) {
			rep, err := report.Load(goldenrecords.Dirs(dirs...)...)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := report.WriteJSON(&got, rep.Summary); err != nil {
				t.Fatal(err)
			}
			goldenrecords.Golden(t, filepath.Join("testdata", name+".json.golden"), got.Bytes(), *update)
		})
	}
}

// Shards merge exactly: histograms summed interval by interval at the same
// absolute time, every request counted once, counts and status codes added.
func TestMergeGoldenShards(t *testing.T) {
	a, b := goldenrecords.Dir("shard-0"), goldenrecords.Dir("shard-1")
	merged, err := report.Load(a, b)
	if err != nil {
		t.Fatal(err)
	}
	perStart := map[int64]int64{}
	var requests uint64
	for _, d := range []string{a, b} {
		one, err := report.Load(d)
		if err != nil {
			t.Fatal(err)
		}
		requests += one.Summary.Requests
		for _, p := range one.Intervals {
			perStart[p.StartMs] += p.Count
		}
		if one.Runs[0].Shard == nil || one.Runs[0].Shard.Count != 2 {
			t.Errorf("%s: shard %+v", d, one.Runs[0].Shard)
		}
	}
	s := merged.Summary
	if s.Requests != requests || merged.Latency.TotalCount() != int64(requests) || s.StatusCodes["200"] != requests {
		t.Errorf("merged %d requests (histogram %d, 200s %d), want %d", s.Requests, merged.Latency.TotalCount(), s.StatusCodes["200"], requests)
	}
	if len(merged.Intervals) != len(perStart) {
		t.Errorf("%d merged intervals, want the %d distinct interval starts of the shards", len(merged.Intervals), len(perStart))
	}
	for _, p := range merged.Intervals {
		if p.Count != perStart[p.StartMs] {
			t.Errorf("interval at %d: %d responses, want %d (the shards' sum)", p.StartMs, p.Count, perStart[p.StartMs])
		}
	}
	if _, err := runrecord.Read(a); err != nil {
		t.Fatal(err)
	}
}
