//go:build !race

package livemetrics

const raceEnabled = false
