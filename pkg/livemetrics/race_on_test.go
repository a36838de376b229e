//go:build race

package livemetrics

// raceEnabled: the race detector makes every Observe many times slower.
const raceEnabled = true
