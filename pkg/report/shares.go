package report

import (
	"math"
	"sort"

	"github.com/google/pprof/profile"
)

// FunctionShare is one function's share of the CPU profile on both sides
// of a comparison. Flat is time in the function itself, cum time in it and
// what it called; shares are fractions (0..1) of each profile's total, so
// two runs of different length compare.
type FunctionShare struct {
	Function string  `json:"function"`
	BaseFlat float64 `json:"base_flat"`
	NewFlat  float64 `json:"new_flat"`
	BaseCum  float64 `json:"base_cum"`
	NewCum   float64 `json:"new_cum"`
	// BaseSeconds and NewSeconds are flat CPU time, in seconds.
	BaseSeconds float64 `json:"base_seconds"`
	NewSeconds  float64 `json:"new_seconds"`
}

// profileShares sums a CPU profile by function, from pprof's profile
// model: flat to the innermost (inlined) frame of each sample's leaf, cum
// once to every distinct function on the stack.
type profileShares struct {
	flat, cum map[string]float64
	flatN     map[string]int // samples with the function at the leaf
	total     float64
	unit      float64 // seconds per value unit
}

// minShareSamples is the fewest leaf samples (both sides together) for a
// function to be listed as changed.
const minShareSamples = 3

func sharesOf(p *profile.Profile) profileShares {
	ps := profileShares{flat: map[string]float64{}, cum: map[string]float64{}, flatN: map[string]int{}, unit: 1}
	idx := len(p.SampleType) - 1 // pprof's default for CPU profiles: cpu/nanoseconds
	if idx < 0 {
		return ps
	}
	if p.SampleType[idx].Unit == "nanoseconds" {
		ps.unit = 1e-9
	}
	seen := map[string]bool{}
	for _, s := range p.Sample {
		v := float64(s.Value[idx])
		ps.total += v
		clear(seen)
		for i, loc := range s.Location {
			for j, ln := range loc.Line {
				name := "?"
				if ln.Function != nil {
					name = ln.Function.Name
				}
				if i == 0 && j == 0 {
					ps.flat[name] += v
					ps.flatN[name]++
				}
				if !seen[name] {
					seen[name] = true
					ps.cum[name] += v
				}
			}
		}
	}
	return ps
}

// shareChanges lists the n functions whose flat share of CPU changed most
// between base and next, largest change first.
func shareChanges(base, next *profile.Profile, n int) []FunctionShare {
	b, x := sharesOf(base), sharesOf(next)
	if b.total == 0 || x.total == 0 {
		return nil
	}
	names := map[string]bool{}
	for k := range b.cum {
		names[k] = true
	}
	for k := range x.cum {
		names[k] = true
	}
	var out []FunctionShare
	for name := range names {
		// A function seen in one or two samples in all is sampling
		// noise, whatever its share of a short profile.
		if b.flatN[name]+x.flatN[name] < minShareSamples {
			continue
		}
		out = append(out, FunctionShare{
			Function:    name,
			BaseFlat:    b.flat[name] / b.total,
			NewFlat:     x.flat[name] / x.total,
			BaseCum:     b.cum[name] / b.total,
			NewCum:      x.cum[name] / x.total,
			BaseSeconds: b.flat[name] * b.unit,
			NewSeconds:  x.flat[name] * x.unit,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		di := math.Abs(out[i].NewFlat - out[i].BaseFlat)
		dj := math.Abs(out[j].NewFlat - out[j].BaseFlat)
		if di != dj {
			return di > dj
		}
		return out[i].Function < out[j].Function
	})
	for len(out) > 0 && out[len(out)-1].NewFlat == out[len(out)-1].BaseFlat {
		out = out[:len(out)-1] // no flat change: nothing to say
	}
	return out[:min(n, len(out))]
}
