package runrecord

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// groupsFixture writes a groups log of two groups over three intervals:
// group 0 ("GET /fast") answers in 1 ms, group 1 ("GET /slow") in 20 ms,
// n requests each per interval; group 1 is silent in the middle interval.
func groupsFixture(t *testing.T, dir string, n int) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, GroupsLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewGroupHlogWriter(f, "", []string{"GET /fast", "GET /slow"})
	t0 := int64(1_700_000_000_000)
	for iv := int64(0); iv < 3; iv++ {
		for g, lat := range []time.Duration{time.Millisecond, 20 * time.Millisecond} {
			if g == 1 && iv == 1 {
				continue
			}
			s := NewSparseSeries(int64(time.Hour))
			for i := 0; i < n; i++ {
				RecordPacked(s.Latency, int64(lat))
				RecordPacked(s.Service, int64(lat)-int64(100*time.Microsecond))
				RecordPacked(s.Lag, int64(100*time.Microsecond))
			}
			if err := w.WriteGroup(t0+iv*1000, t0+(iv+1)*1000, g, s); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// The groups log is a standard interval log: hdrhistogram-go's own reader
// reads every interval with its group tag, and our reader gets the same
// counts back per group and interval.
func TestGroupsLogReadableByStandardReader(t *testing.T) {
	dir := t.TempDir()
	groupsFixture(t, dir, 10)
	b, err := os.ReadFile(filepath.Join(dir, GroupsLog))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `#[group g1: "GET /slow"]`) {
		t.Errorf("the log does not name its groups:\n%.400s", b)
	}
	lr := hdr.NewHistogramLogReader(bytes.NewReader(b))
	tags := map[string]int64{}
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if h == nil {
			break
		}
		tags[h.Tag()] += h.TotalCount()
		if h.Tag() == "g1" && h.ValueAtQuantile(50) < int64(19*time.Millisecond) {
			t.Errorf("g1 median %v, want about 20ms", time.Duration(h.ValueAtQuantile(50)))
		}
	}
	want := map[string]int64{"g0": 30, "g0.service": 30, "g0.dispatch_lag": 30, "g1": 20, "g1.service": 20, "g1.dispatch_lag": 20}
	for k, v := range want {
		if tags[k] != v {
			t.Errorf("standard reader: tag %s count %d, want %d (all: %v)", k, tags[k], v, tags)
		}
	}

	r := NewGroupHlogReader(bytes.NewReader(b), "groups.hlog", nil)
	var seen []int
	for {
		start, end, g, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if end-start != 1000 || start%1000 != 0 {
			t.Errorf("interval %d..%d", start, end)
		}
		seen = append(seen, len(g))
		if s, ok := g[1]; ok && (s.Latency.TotalCount() != 10 || s.Lag.TotalCount() != 10) {
			t.Errorf("g1 counts %d %d", s.Latency.TotalCount(), s.Lag.TotalCount())
		}
	}
	if len(seen) != 3 || seen[0] != 2 || seen[1] != 1 || seen[2] != 2 {
		t.Errorf("groups per interval %v, want [2 1 2]", seen)
	}
}

// Shards' groups logs merge by absolute interval and by group name, and a
// reader that wants only latency gets only latency.
func TestMergeGroupHlogs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	groupsFixture(t, a, 10)
	groupsFixture(t, b, 5)
	// Record b numbered its groups the other way round: merging goes by name.
	names := [][]string{{"GET /fast", "GET /slow"}, {"GET /slow", "GET /fast"}}
	var totals []map[string]int64
	onlyLatency := func(s string) bool { return s == TagLatency }
	err := MergeGroupHlogs([]string{a, b, t.TempDir()}, append(names, nil), onlyLatency, func(start, end int64, g map[string]SparseSeries) error {
		m := map[string]int64{}
		for name, s := range g {
			if s.Service != nil || s.Lag != nil {
				t.Errorf("%s: unwanted series decoded", name)
			}
			m[name] = s.Latency.TotalCount()
		}
		totals = append(totals, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 3 {
		t.Fatalf("%d intervals, want 3", len(totals))
	}
	// b's group 0, alone in the middle interval, is named "GET /slow" there.
	if got := totals[1]; got["GET /fast"] != 10 || got["GET /slow"] != 5 || len(got) != 2 {
		t.Errorf("middle interval %v", got)
	}
	if got := totals[0]; got["GET /fast"] != 15 || got["GET /slow"] != 15 {
		t.Errorf("first interval %v", got)
	}
}

func TestGroupHlogReaderErrors(t *testing.T) {
	for _, in := range []string{
		"Tag=g1,1.0,1.0\n",
		"Tag=g1,x,1.0,1.0,HIST\n",
		"Tag=g1,1.0,1.0,1.0,not-base64!\n",
	} {
		r := NewGroupHlogReader(strings.NewReader("#[BaseTime: 1700000000 (seconds since epoch)]\n"+in), "groups.hlog", nil)
		if _, _, _, err := r.Next(); err == nil || err == io.EOF || !strings.Contains(err.Error(), "groups.hlog:2") {
			t.Errorf("%q: error %v, want one at groups.hlog:2", in, err)
		}
	}
	// Lines that are not a group's are skipped, not errors.
	r := NewGroupHlogReader(strings.NewReader("#c\n\"StartTimestamp\"\n0.0,1.0,1.0,HIST\nTag=service,0,1,1,HIST\nTag=g1.other,0,1,1,x\n"), "x", nil)
	if _, _, _, err := r.Next(); err != io.EOF {
		t.Errorf("foreign lines: %v, want EOF", err)
	}
}

func FuzzGroupHlogReader(f *testing.F) {
	var buf bytes.Buffer
	w := NewGroupHlogWriter(&buf, "", []string{"a", "b"})
	s := NewSparseSeries(int64(time.Hour))
	RecordPacked(s.Latency, 1234567)
	w.WriteGroup(1_700_000_000_000, 1_700_000_001_000, 1, s)
	f.Add(buf.Bytes())
	f.Add([]byte("Tag=g0,0,1,1,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewGroupHlogReader(bytes.NewReader(b), "fuzz", nil)
		for i := 0; i < 1000; i++ {
			if _, _, _, err := r.Next(); err != nil {
				return
			}
		}
	})
}
