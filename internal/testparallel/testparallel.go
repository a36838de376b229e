// Package testparallel lets a package's TestMain run more parallel tests
// than there are cores, for tests that mostly wait (on loopback servers,
// client timeouts, attacks that last a wall-clock second) rather than
// compute. Tests that check timing stay sequential (no t.Parallel), so
// they still run alone.
//
//	func TestMain(m *testing.M) {
//		testparallel.PerCore(4)
//		os.Exit(m.Run())
//	}
package testparallel

import (
	"flag"
	"runtime"
	"strconv"
)

// PerCore sets the test binary's -parallel to n per core (GOMAXPROCS).
// Call it in TestMain before m.Run: m.Run parses the command line after
// it, so an explicit -parallel still wins.
func PerCore(n int) {
	if err := flag.Set("test.parallel", strconv.Itoa(n*runtime.GOMAXPROCS(0))); err != nil {
		panic(err) // only outside a test binary, which has no such flag
	}
}
