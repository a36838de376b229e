package collect

import (
	"encoding/json"
	"expvar"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestParseExpvarRing(t *testing.T) {
	t.Parallel()
	// 300 GCs: the 256-entry ring has wrapped; cycle g is at (g-1)%256.
	var ms runtime.MemStats
	ms.NumGC = 300
	for g := uint32(45); g <= 300; g++ {
		ms.PauseNs[(g-1)%256] = uint64(g) * 1000
	}
	ms.HeapInuse = 1 << 20
	b, _ := json.Marshal(map[string]any{"memstats": ms, "cmdline": []string{"x"}})
	r, err := ParseExpvar(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.GCPauses) != 256 || r.GCPauses[0] != 45*time.Microsecond || r.GCPauses[255] != 300*time.Microsecond {
		t.Fatalf("pauses: %d, first %v, last %v", len(r.GCPauses), r.GCPauses[0], r.GCPauses[len(r.GCPauses)-1])
	}
	prev := Reading{GCCount: f64(297)}
	n, pauses, exact := gcDelta(prev, r)
	if *n != 3 || !exact || len(pauses) != 3 || pauses[2] != 300*time.Microsecond || pauses[0] != 298*time.Microsecond {
		t.Fatalf("delta: %v %v %v", *n, pauses, exact)
	}
	// More GCs than the ring holds: the count stays exact, the pauses do not.
	prev = Reading{GCCount: f64(10)}
	if n, pauses, exact = gcDelta(prev, r); *n != 290 || exact || len(pauses) != 256 {
		t.Fatalf("overflow delta: %v %d %v", *n, len(pauses), exact)
	}
}

// The real thing: Go's own expvar handler.
func TestParseExpvarFromHandler(t *testing.T) {
	t.Parallel()
	runtime.GC()
	rec := httptest.NewRecorder()
	expvar.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/vars", nil))
	r, err := ParseExpvar(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if r.GCCount == nil || *r.GCCount < 1 || len(r.GCPauses) == 0 || r.HeapInUse == nil || *r.HeapInUse == 0 {
		t.Fatalf("reading %+v", r)
	}
}

func TestParseExpvarErrors(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "{", `{"cmdline":[]}`, `{"memstats":{"HeapInuse":"x"}}`, "<html>"} {
		if _, err := ParseExpvar([]byte(body)); err == nil {
			t.Errorf("%q: no error", body)
		} else if !strings.Contains(err.Error(), "expvar") {
			t.Errorf("%q: error does not say expvar: %v", body, err)
		}
	}
}

func FuzzParseExpvar(f *testing.F) {
	f.Add([]byte(`{"memstats":{"NumGC":3,"PauseNs":[1,2,3],"HeapInuse":5}}`))
	f.Add([]byte(`{"memstats":{"NumGC":4294967295,"PauseNs":[]}}`))
	f.Add([]byte(`{"memstats":{"NumGC":0,"PauseNs":[1]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseExpvar(body)
		if err != nil {
			return
		}
		if n := *r.GCCount; float64(len(r.GCPauses)) > n {
			t.Fatalf("%d pauses for %v GCs", len(r.GCPauses), n)
		}
	})
}
