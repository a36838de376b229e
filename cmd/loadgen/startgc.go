package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// An attack's first moments are its most fragile. Its goroutines, their
// stacks, the connections' buffers and the recorder all grow from nothing
// while the schedule already runs at full rate, and the heap, a few MiB
// at first, makes the collector run in the first tenth of a second,
// stopping the world and taking a core for its marking. At 40,000 req/s
// on the 2-vCPU box of BENCHMARKS.md the slots more than 10 ms late all
// came in the first half second, from a backlog that start built, and
// decided the run's p99.
//
// So for startGCWindow from the attack's start the collector runs only if
// the process's Go memory grows by startGCHeadroom, and then as before: a
// bounded cost in memory, once. In 8 alternating pairs of 5 s attacks at
// 40,000 req/s the p99 was lower in 7, and under 10 ms in 3 against 1
// (BENCHMARKS.md). A GOGC or GOMEMLIMIT in the environment is the user's
// choice and is left alone.
const (
	startGCWindow   = time.Second
	startGCHeadroom = 64 << 20
)

// startGC is the start-up relief of one attack.
type startGC struct {
	once     sync.Once
	percent  int
	limit    int64
	relieved bool
}

// relieve turns the collector off, up to startGCHeadroom more memory,
// and back on after startGCWindow (or at restore, if sooner). Attacks
// that overlap in one process (the CLI's tests) share one relief: an
// attack that finds the collector off already leaves it to the one that
// turned it off.
func (g *startGC) relieve() {
	if userSetGC() {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if g.percent = debug.SetGCPercent(-1); g.percent < 0 {
		return
	}
	g.limit = debug.SetMemoryLimit(int64(s[0].Value.Uint64()) + startGCHeadroom)
	g.relieved = true
	time.AfterFunc(startGCWindow, g.restore)
}

// userSetGC reports whether the environment sets the collector (GOGC or
// GOMEMLIMIT): the user's choice, which the relief leaves alone.
func userSetGC() bool {
	return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != ""
}

// restore puts the collector's settings back, once.
func (g *startGC) restore() {
	g.once.Do(func() {
		if g.relieved {
			debug.SetMemoryLimit(g.limit)
			debug.SetGCPercent(g.percent)
		}
	})
}
