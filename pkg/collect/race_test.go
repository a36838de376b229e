//go:build race

package collect

// raceEnabled: the race detector slows net/http far more than Fib, so
// CPU shares in tests shift.
const raceEnabled = true
