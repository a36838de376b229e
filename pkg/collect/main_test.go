package collect

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain runs more parallel tests than there are cores: the tests marked
// t.Parallel wait on loopback servers and fake clocks, not on the CPU. The
// tests that profile this process's CPU (one profile at a time per
// process), set its profile rates or count its allocations stay
// sequential. An explicit -parallel still wins.
func TestMain(m *testing.M) {
	if err := flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0))); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}
