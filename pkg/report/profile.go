package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/google/pprof/profile"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// ErrUnknownProfileType is a profile type other than those LoadProfile knows.
var ErrUnknownProfileType = errors.New("unknown profile type")

// ProfileTypes returns the profile kinds LoadProfile reads.
func ProfileTypes() []string {
	return []string{"cpu", "heap", "allocs", "goroutine", "mutex", "block"}
}

// profileFile maps a profile kind to its file in a run record.
func profileFile(kind string) (string, bool) {
	switch kind {
	case "cpu":
		return runrecord.ProfileCPU, true
	case "heap":
		return runrecord.ProfileHeap, true
	case "allocs":
		return runrecord.ProfileAllocs, true
	case "goroutine":
		return runrecord.ProfileGoroutine, true
	case "mutex":
		return runrecord.ProfileMutex, true
	case "block":
		return runrecord.ProfileBlock, true
	}
	return "", false
}

// LoadProfile reads the profile of the given kind (cpu, heap, allocs,
// goroutine, mutex, block) from each run record and merges them (shards of
// one attack profile the same target, so their samples add up). It returns
// nil and no error when no run has that profile.
func LoadProfile(kind string, dirs ...string) (*profile.Profile, error) {
	name, ok := profileFile(kind)
	if !ok {
		return nil, fmt.Errorf("%w %q: want cpu, heap, allocs, goroutine, mutex or block", ErrUnknownProfileType, kind)
	}
	// A profile is its record's when run.json's manifest lists it; the
	// same run twice would count its samples twice.
	runs := make([]*runrecord.Run, len(dirs))
	for i, d := range dirs {
		r, err := runrecord.Open(d)
		if err != nil {
			return nil, err
		}
		runs[i] = r
	}
	if err := checkMergeable(dirs, runs); err != nil {
		return nil, err
	}
	var ps []*profile.Profile
	for _, d := range dirs {
		path := filepath.Join(d, runrecord.ProfilesDir, name)
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read profile: %w", err)
		}
		p, err := profile.Parse(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read profile %s: %w", path, err)
		}
		ps = append(ps, p)
	}
	switch len(ps) {
	case 0:
		return nil, nil
	case 1:
		return ps[0], nil
	}
	p, err := profile.Merge(ps)
	if err != nil {
		return nil, fmt.Errorf("merge %s profiles: %w", kind, err)
	}
	return p, nil
}

// collectorFrames match the functions that serve a collector's own
// requests in a Go target: pprof's handlers and encoder (the gzip of every
// profile fetched), Prometheus's gather and exposition, and expvar. Their
// allocations are loadgen's doing, not the target's work under load.
var collectorFrames = regexp.MustCompile(`^(net/http/pprof\.|runtime/pprof\.|expvar\.|github\.com/prometheus/client_golang/prometheus/promhttp\.|github\.com/prometheus/client_golang/prometheus\.\(\*Registry\)\.Gather|github\.com/prometheus/common/expfmt\.)`)

// WithoutCollector returns a copy of p without the samples whose stack
// passes through a function that serves the collector (see
// collectorFrames), and the share of p's sampleIndex value (the last
// sample type when "") that those samples held, 0..1.
func WithoutCollector(p *profile.Profile, sampleIndex string) (*profile.Profile, float64, error) {
	idx := len(p.SampleType) - 1
	if sampleIndex != "" {
		i, err := p.SampleIndexByName(sampleIndex)
		if err != nil {
			return nil, 0, err
		}
		idx = i
	}
	total := sampleTotal(p, idx)
	own := p.Copy()
	own.FilterSamplesByName(nil, collectorFrames, nil, nil)
	share := 0.0
	if total > 0 {
		share = 1 - float64(sampleTotal(own, idx))/float64(total)
	}
	return own, share, nil
}

func sampleTotal(p *profile.Profile, idx int) int64 {
	var t int64
	for _, s := range p.Sample {
		if idx < len(s.Value) {
			t += s.Value[idx]
		}
	}
	return t
}
