//go:build race

package attack

// rawIOEnabled is off under the race detector (see rawIO).
const rawIOEnabled = false
