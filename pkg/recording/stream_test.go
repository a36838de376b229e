package recording

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The header and the intervals' lines handed to OnInterval are
// latency.hlog byte for byte: what a shard streams to its coordinator is
// its record, not a second encoding of it.
func TestOnIntervalStreamsTheLog(t *testing.T) {
	dir := t.TempDir()
	var header, lines bytes.Buffer
	calls := 0
	rec, err := New(dir, Config{Interval: 100 * time.Millisecond, OnInterval: func(s IntervalStats) {
		calls++
		if header.Len() == 0 {
			header.Write(s.HlogHeader)
		} else if !bytes.Equal(header.Bytes(), s.HlogHeader) {
			t.Errorf("interval %d: header changed", calls)
		}
		if len(s.Hlog) == 0 {
			t.Errorf("interval %d: no lines", calls)
		}
		if !s.End.Equal(s.Start.Add(100 * time.Millisecond)) {
			t.Errorf("interval %d: end %s, start %s", calls, s.End, s.Start)
		}
		lines.Write(s.Hlog)
	}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	for i := range 50 {
		r := resultAt(start.Add(time.Duration(i) * 10 * time.Millisecond))
		rec.Record(&r)
	}
	if _, err := rec.Close(attack.Outcome{Began: start}); err != nil {
		t.Fatal(err)
	}
	if calls != 5 {
		t.Fatalf("OnInterval called %d times, want 5", calls)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, runrecord.LatencyLog))
	if err != nil {
		t.Fatal(err)
	}
	if got := append(header.Bytes(), lines.Bytes()...); !bytes.Equal(got, onDisk) {
		t.Fatalf("streamed log differs from latency.hlog:\n%s\n---\n%s", got, onDisk)
	}
}
