package report_test

import (
	"bytes"
	"flag"
	"os"
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
	for name, dirs := range map[string][]string{
		"single":   {"single"},
		"shards":   {"shard-0", "shard-1"},
		"capacity": {"capacity"},
		"collect":  {"collect-new"},
	} {
		t.Run(name, func(t *testing.T) {
			var paths []string
			for _, d := range dirs {
				paths = append(paths, goldenrecords.Dir(d))
			}
			rep, err := report.Load(paths...)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := report.WriteJSON(&got, rep.Summary); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", name+".json.golden"), got.Bytes())
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

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (check, then run with -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
