package report_test

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

var fastSlow = []testrecords.SyntheticGroup{{Name: "fast", Latency: time.Millisecond}, {Name: "slow", Latency: 20 * time.Millisecond}}

func near(d, want time.Duration, tol float64) bool {
	return float64(d) >= float64(want)*(1-tol) && float64(d) <= float64(want)*(1+tol)
}

// One record: the groups' summaries are the record's, their per-interval
// figures come from groups.hlog on demand.
func TestLoadGroupIntervals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: 10, PerSec: 100, Seed: 1, Groups: fastSlow})
	rep, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Summary.Groups
	if len(g) != 2 || g[0].Requests != 500 || g[1].Requests != 500 || !near(g[1].Latency.P50, 20*time.Millisecond, 0.1) {
		t.Fatalf("groups %+v", g)
	}
	pts, err := rep.GroupIntervals()
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[1].Name != "slow" || len(pts[1].Intervals) != len(rep.Intervals) {
		t.Fatalf("points: %d groups, %d intervals (run: %d)", len(pts), len(pts[1].Intervals), len(rep.Intervals))
	}
	var n int64
	for i, p := range pts[1].Intervals {
		n += p.Count
		if p.Count > 0 && i%600 != 300 && !near(p.P50, 20*time.Millisecond, 0.5) {
			t.Errorf("slow interval %d p50 %v", i, p.P50)
		}
	}
	if n != 500 {
		t.Errorf("slow group's intervals count %d requests, want 500", n)
	}
}

// Shards merge group by group: counts add up, and latency comes from the
// shards' histograms summed (each shard holds half of every group).
func TestLoadMergesGroupsAcrossShards(t *testing.T) {
	d := t.TempDir()
	var dirs []string
	for i := 0; i < 2; i++ {
		dir := filepath.Join(d, "shard", string(rune('0'+i)))
		testrecords.WriteSynthetic(t, dir, testrecords.Synthetic{Secs: 10, PerSec: 100, Seed: 1, Groups: fastSlow, Shard: i, Shards: 2})
		dirs = append(dirs, dir)
	}
	whole := filepath.Join(d, "whole")
	testrecords.WriteSynthetic(t, whole, testrecords.Synthetic{Secs: 10, PerSec: 100, Seed: 1, Groups: fastSlow})
	merged, err := report.Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	one, err := report.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	mg, wg := merged.Summary.Groups, one.Summary.Groups
	if len(mg) != 2 {
		t.Fatalf("merged groups %+v", mg)
	}
	for i := range mg {
		// The same requests split over two shards: the merged histograms
		// are exactly the unsharded one's.
		if mg[i].Name != wg[i].Name || mg[i].Requests != wg[i].Requests || mg[i].Latency != wg[i].Latency || mg[i].ServiceLatency != wg[i].ServiceLatency {
			t.Errorf("group %d merged %+v\nwant %+v", i, mg[i].Summary, wg[i].Summary)
		}
		if mg[i].StatusCodes["200"]+mg[i].StatusCodes["500"] != mg[i].Requests {
			t.Errorf("group %s codes %v", mg[i].Name, mg[i].StatusCodes)
		}
	}
	pts, err := merged.GroupIntervals()
	if err != nil || len(pts) != 2 {
		t.Fatalf("merged points %v %v", len(pts), err)
	}
	var n int64
	for _, p := range pts[0].Intervals {
		n += p.Count
	}
	if n != int64(mg[0].Requests) {
		t.Errorf("merged fast intervals count %d, want %d", n, mg[0].Requests)
	}

	// The merged groups log (what a coordinator's merged record holds)
	// has every group's requests, tagged as the merged summary says.
	var buf bytes.Buffer
	if err := merged.WriteGroupsLog(&buf, ""); err != nil {
		t.Fatal(err)
	}
	lr := runrecord.NewGroupHlogReader(&buf, "merged", nil)
	counts := map[int]int64{}
	for {
		_, _, g, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range g {
			counts[i] += s.Service.TotalCount()
		}
	}
	for i, g := range mg {
		if j, _ := runrecord.GroupIndex(g.Tag); j != i || counts[i] != int64(g.Requests) {
			t.Errorf("merged log: group %s (tag %s) has %d requests, summary %d", g.Name, g.Tag, counts[i], g.Requests)
		}
	}
}

// Compare goes group by group with the same noise rule: the group that
// got slower is worse, the one that did not is the same, and a group's
// metrics carry it in their names.
func TestCompareGroups(t *testing.T) {
	d := t.TempDir()
	base, next := filepath.Join(d, "base"), filepath.Join(d, "new")
	testrecords.WriteSynthetic(t, base, testrecords.Synthetic{Secs: 20, PerSec: 60, Seed: 7, Groups: fastSlow})
	slower := []testrecords.SyntheticGroup{fastSlow[0], {Name: "slow", Latency: 40 * time.Millisecond}}
	testrecords.WriteSynthetic(t, next, testrecords.Synthetic{Secs: 20, PerSec: 60, Seed: 7, Groups: slower})
	c, err := report.Compare([]string{base}, []string{next})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 2 || c.Groups[0].Name != "fast" || c.Groups[1].Name != "slow" {
		t.Fatalf("groups %+v", c.Groups)
	}
	verdict := func(g int, name string) report.Metric {
		for _, m := range c.Groups[g].Metrics {
			if m.Name == report.GroupMetric(name, c.Groups[g].Name) {
				return m
			}
		}
		t.Fatalf("group %d has no %s", g, name)
		return report.Metric{}
	}
	if m := verdict(0, "latency.p99"); m.Verdict != report.VerdictSame || m.Name != "latency.p99{group=fast}" {
		t.Errorf("fast p99: %+v", m)
	}
	for _, name := range []string{"latency.p50", "latency.p90", "latency.p99"} {
		if m := verdict(1, name); m.Verdict != report.VerdictWorse || *m.Ratio < 1.8 {
			t.Errorf("slow %s: %s (ratio %v, noise %v)", name, m.Verdict, *m.Ratio, m.Noise)
		}
	}
	for _, m := range c.Groups[0].Metrics {
		if strings.HasPrefix(m.Name, "target.") || strings.HasPrefix(m.Name, "missed") {
			t.Errorf("a group compares %s", m.Name)
		}
	}
	if report.GroupMetric("latency.p99", "GET /a") != `latency.p99{group="GET /a"}` {
		t.Error("a name with a space is not quoted")
	}
}
