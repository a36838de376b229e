package report

import (
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Buckets count like vegeta's hist: bounds[i] <= v < bounds[i+1], the
// last open-ended, values below the first bound in none.
func TestBuckets(t *testing.T) {
	h := hdr.New(1000, int64(time.Hour), 3)
	for _, v := range []time.Duration{500 * time.Microsecond, 1500 * time.Microsecond, 1900 * time.Microsecond, 3 * time.Millisecond, 10 * time.Second} {
		h.RecordValue(int64(v))
	}
	got := Buckets(h, []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond})
	want := []uint64{2, 1, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("buckets %v, want %v", got, want)
		}
	}
}
