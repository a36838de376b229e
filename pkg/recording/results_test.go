package recording

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loadgen/loadgen/pkg/attack"
)

// The stream is read back with vegeta v12.13.0's own decoders (the ones
// `vegeta report`, `plot` and `encode` use), in every format.
func TestStreamReadsWithVegeta(t *testing.T) {
	targets := []vegeta.Target{
		{Method: "GET", URL: "http://127.0.0.1:1/a?token=s3cret"},
		{Method: "POST", URL: "http://127.0.0.1:1/b"},
	}
	began := time.Unix(1_700_000_000, 0)
	const n = 3*streamBatch + 17 // several batches and a partial one
	for _, format := range []string{StreamGob, StreamJSON, StreamCSV} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			s, err := NewStream(&buf, format, targets, "stream-test", nil)
			if err != nil {
				t.Fatal(err)
			}
			var r attack.Result
			for i := uint64(0); i < n; i++ {
				r = attack.Result{Seq: i, Intended: began.Add(time.Duration(i) * time.Millisecond),
					Latency: time.Duration(i+1) * time.Microsecond, Code: 200, BytesIn: 5, BytesOut: 7}
				if i%100 == 3 {
					r.Code, r.Error = 0, "connection refused"
				}
				s.Add(&r)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var dec vegeta.Decoder
			switch format {
			case StreamGob:
				dec = vegeta.NewDecoder(&buf)
			case StreamJSON:
				dec = vegeta.NewJSONDecoder(&buf)
			case StreamCSV:
				dec = vegeta.NewCSVDecoder(&buf)
			}
			var m vegeta.Metrics
			for i := uint64(0); ; i++ {
				var got vegeta.Result
				err := dec.Decode(&got)
				if errors.Is(err, io.EOF) {
					if i != n {
						t.Fatalf("decoded %d results, want %d", i, n)
					}
					break
				}
				if err != nil {
					t.Fatalf("result %d: %v", i, err)
				}
				m.Add(&got)
				want := targets[i%2]
				if got.Seq != i || got.Method != want.Method || !got.Timestamp.Equal(began.Add(time.Duration(i)*time.Millisecond)) ||
					got.Latency != time.Duration(i+1)*time.Microsecond || got.BytesIn != 5 || got.BytesOut != 7 ||
					(format != StreamCSV && got.Attack != "stream-test") {
					t.Fatalf("result %d: %+v", i, got)
				}
				if strings.Contains(got.URL, "s3cret") {
					t.Fatalf("result %d: URL secret written: %s", i, got.URL)
				}
				if (i%100 == 3) != (got.Error == "connection refused") {
					t.Fatalf("result %d: error %q", i, got.Error)
				}
			}
			m.Close()
			if m.Requests != n || m.StatusCodes["0"] != 8 {
				t.Errorf("vegeta metrics: %d requests, codes %v", m.Requests, m.StatusCodes)
			}
		})
	}
}

// Add allocates nothing once the batches are recycled: the stream keeps
// the attack's recording path flat.
func TestStreamAddDoesNotAllocate(t *testing.T) {
	s, err := NewStream(io.Discard, StreamGob, []vegeta.Target{{Method: "GET", URL: "http://127.0.0.1:1/"}}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := attack.Result{Code: 200, Latency: time.Millisecond}
	for i := 0; i < 4*streamBatch*streamBatches; i++ { // warm: fill the free list
		s.Add(&r)
	}
	if a := testing.AllocsPerRun(10*streamBatch, func() { s.Add(&r) }); a > 0.01 {
		t.Errorf("Add allocates %.3f times per result", a)
	}
}

// BenchmarkStreamAdd is the cost a result stream adds to each hit on the
// attack's recording path (the encoding runs on its own goroutine; with
// b.N large it is included in the wall time, not in this path's CPU).
func BenchmarkStreamAdd(b *testing.B) {
	s, err := NewStream(io.Discard, StreamGob, []vegeta.Target{{Method: "GET", URL: "http://127.0.0.1:1/"}}, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	r := attack.Result{Code: 200, Latency: time.Millisecond}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Seq = uint64(i)
		s.Add(&r)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}
