package text

import (
	"fmt"
	"io"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// generatorLine is the text summary's row about loadgen itself.
func generatorLine(p func(string, ...any), g *runrecord.Generator) {
	if g == nil {
		return
	}
	cores := "cores"
	if g.Cores == 1 {
		cores = "core"
	}
	p("Generator\t[cpu, cpu/request, peak rss, client]\t%.1f%% of %d %s, %s, %s, %s\n",
		g.CPUPercent, g.Cores, cores, Round(g.CPUPerRequest), Bytes(float64(g.MaxRSSBytes)), g.Client)
	p("Generator\t[workers (max), peak in flight, connections, waiting]\t%d (%d), %d, %d, %d\n",
		g.Workers, g.MaxWorkers, g.PeakInFlight, g.Connections, g.PeakWaiting)
}

// generatorWarnings say plainly when loadgen, not the target, was the
// limit, so nobody mistakes the generator's ceiling for the service's.
func generatorWarnings(w io.Writer, g *runrecord.Generator) {
	if g == nil {
		return
	}
	for _, warn := range g.Warnings {
		fmt.Fprintf(w, "Warning (generator): %s\n", warn)
	}
}
