package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// expvarSource reads Go's /debug/vars memstats: heap in use, the GC count
// and PauseNs ring (individual pauses, exact), and GCCPUFraction.
type expvarSource struct {
	url string
	f   *fetcher
}

func newExpvarSource(url string, f *fetcher) *expvarSource { return &expvarSource{url: url, f: f} }

func (s *expvarSource) Name() string { return "expvar " + s.url }

func (s *expvarSource) Sample(ctx context.Context, r *Reading) error {
	body, _, err := s.f.get(ctx, s.url, "application/json")
	if err != nil {
		return err
	}
	rd, err := ParseExpvar(body)
	if err != nil {
		return err
	}
	*r = rd
	return nil
}

// memStats is the part of runtime.MemStats that loadgen reads.
type memStats struct {
	HeapInuse     *uint64  `json:"HeapInuse"`
	NumGC         *uint32  `json:"NumGC"`
	PauseTotalNs  *uint64  `json:"PauseTotalNs"`
	PauseNs       []uint64 `json:"PauseNs"`
	GCCPUFraction *float64 `json:"GCCPUFraction"`
}

// ParseExpvar reads the memstats of a /debug/vars JSON document.
func ParseExpvar(body []byte) (Reading, error) {
	var doc struct {
		Memstats *memStats `json:"memstats"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Reading{}, fmt.Errorf("parse expvar JSON: %w", err)
	}
	m := doc.Memstats
	if m == nil || m.NumGC == nil {
		return Reading{}, errors.New("no memstats in the expvar document (is it Go's /debug/vars?)")
	}
	var r Reading
	if m.HeapInuse != nil {
		r.HeapInUse = f64(float64(*m.HeapInuse))
	}
	if m.GCCPUFraction != nil {
		r.GCCPUFraction = f64(*m.GCCPUFraction)
	}
	n := *m.NumGC
	r.GCCount = f64(float64(n))
	if m.PauseTotalNs != nil {
		r.GCPauseSum = f64(float64(*m.PauseTotalNs) / 1e9)
	}
	// PauseNs is a ring: cycle g (1-based) is at (g-1) % len. List the
	// most recent ones, oldest first.
	if ring := uint32(len(m.PauseNs)); ring > 0 {
		k := min(n, ring)
		r.GCPauses = make([]time.Duration, 0, k)
		for i := range k {
			g := n - k + 1 + i
			r.GCPauses = append(r.GCPauses, time.Duration(m.PauseNs[(g-1)%ring]))
		}
	}
	return r, nil
}
