package html

import (
	"slices"
	"testing"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// The target chart shows every row of the attack, those within its first
// interval too, and not the idle baseline before it. A 1 s demo attack
// on a busy box once had its only attack row before the first interval's
// end, and the page lost its target chart.
func TestTargetChartKeepsTheFirstInterval(t *testing.T) {
	t.Parallel()
	cpu := 5.0
	rep := &report.Report{Intervals: []report.Point{
		{StartMs: 10_000, EndMs: 11_000, Count: 20},
		{StartMs: 11_000, EndMs: 12_000, Count: 20},
	}}
	rows := []runrecord.TargetSample{
		{TimeMs: 9_000, Baseline: true, CPUPercent: &cpu},
		{TimeMs: 9_900, CPUPercent: &cpu}, // before the attack, unlabelled (older records)
		{TimeMs: 10_600, CPUPercent: &cpu},
		{TimeMs: 11_600, CPUPercent: &cpu},
	}
	c := newChartData(rep, rows)
	if c.Target == nil {
		t.Fatal("no target chart")
	}
	if want := []float64{10.6, 11.6}; !slices.Equal(c.Target.Time, want) {
		t.Errorf("target rows at %v s, want %v (the attack's, first interval included)", c.Target.Time, want)
	}
	if c.XMin != 10.6 || c.XMax != 12 {
		t.Errorf("time axis %v..%v s, want 10.6..12", c.XMin, c.XMax)
	}
}
