//go:build race

package recording

// raceEnabled: the race detector makes each closed interval's hlog entry
// several times dearer; the memory tests feed fewer intervals under it.
const raceEnabled = true
