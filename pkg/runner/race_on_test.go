//go:build race

package runner

// raceEnabled: the race detector slows every request several-fold.
const raceEnabled = true
