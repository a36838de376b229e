package main

import (
	"flag"

	"github.com/loadgen/loadgen/pkg/attack"
)

// genFlags tune the generator itself rather than the load it sends.
type genFlags struct {
	selfProfile bool
	cpus        int
}

func (g *genFlags) register(fs *flag.FlagSet, o *attack.Options) {
	o.Client = attack.ClientAuto
	fs.StringVar(&o.Client, "client", attack.ClientAuto, "HTTP client: fast (fasthttp, plain http:// HTTP/1.1 only, least CPU), net (Go's net/http: TLS, HTTP/2, h2c, proxies), or auto (fast when every target allows it)")
	fs.StringVar(&o.Pacing, "pacing", attack.PacingPrecise, "precise: each worker wakes just before its slot's due time on a nanosecond timer (timerfd through the netpoller) and spins on the clock to it, the spin at most a tenth of the gap between slots and 500µs (at most 10% of one core), none above 10,000 req/s; from 15,000 req/s it waits on the runtime's timers, which a busy process fires on time for less CPU, with a 100µs alarm (a timerfd) that keeps the process from sleeping whole milliseconds between them when it idles: dispatch lag of a few µs at low rates, tens at high ones; coarse: the runtime's millisecond timers, slots leave up to ~1ms late in small bursts, for less CPU (0.58x precise's per request at 5,000 req/s, 0.72x at 1,000, on one core)")
	fs.IntVar(&g.cpus, "cpus", 0, "CPUs (Go's GOMAXPROCS) loadgen runs on; 0 picks: one per 20,000 req/s of the peak rate (this shard's share), at least 1, one more whenever it keeps them 85% busy for half a second, every CPU for -rate 0; GOMAXPROCS in the environment also fixes it (vegeta's -cpus uses every CPU: on a box shared with the target that costs CPU and lag, BENCHMARKS.md)")
	fs.BoolVar(&g.selfProfile, "self-profile", false, "save loadgen's own CPU profile in the run record as profiles/loadgen-cpu.pb.gz")
}
