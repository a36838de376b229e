// Package attack drives HTTP load at an exact schedule with vegeta's types
// (github.com/tsenart/vegeta/v12/lib: Target, its round-robin, the Pacer
// contract) and reports, for every hit, the time it was due as well as the
// time it was sent.
//
// A Schedule (constant, piecewise-linear stages or sine) knows the intended
// send time of hit n. The engine (engine.go) has no pacer goroutine: each
// worker takes the next slot in due order from a dispenser (slots.go) and
// sends it no earlier than began+Due(n), so latency measured from
// Schedule.Due(n) is free of coordinated omission. Pacing is precise by
// default (each worker sleeps on its own nanosecond timerfd through the
// netpoller, wakes a little early and spins to the due time, the spin
// bounded to a tenth of the gap between slots, none above 10,000 req/s;
// from 15,000 req/s it waits on the runtime's timers, which a busy process
// fires on time, while one alarm per run keeps the process from sleeping
// whole milliseconds between them) or coarse (the runtime's millisecond
// timers at any rate, up to ~1 ms late).
//
// Resources are bounded: workers, and so requests in flight and
// connections, grow only while slots wait and the target needs more
// concurrency (Little's law), up to Options.MaxWorkers (DefaultMaxWorkers).
// A slot that waits for a worker keeps its intended time; one that waits
// longer than the timeout, or past Options.MaxWaiting, is dropped and
// counted as missed. Options.Shard/Shards send one shard of a schedule,
// and NewScenarios runs several schedules, each with its own targets, on
// one clock and one pool of workers.
// Requests go out through Go's net/http (TLS, HTTP/2, h2c, proxies) or,
// for plain http:// targets, through fasthttp, which sends on the worker's
// own goroutine and allocates nothing per hit (BENCHMARKS.md has the CPU
// figures); Options.Client chooses, and auto picks fast when it can.
//
// Typical use (see ExampleNew):
//
//	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
//	sched, _ := attack.ParseRate("500/s")
//	opts := attack.DefaultOptions()
//	opts.Duration = 10 * time.Second
//	a, _ := attack.New(tgts, sched, opts)
//	out := a.Run(ctx, func(r *attack.Result) { /* record r */ })
//
// It imports nothing of loadgen: package recording turns its Results into
// a run record.
package attack
