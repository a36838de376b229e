package collect

import (
	"os"
	"testing"

	"github.com/loadgen/loadgen/internal/testparallel"
)

// TestMain runs more parallel tests than there are cores: the tests marked
// t.Parallel wait on loopback servers and fake clocks, not on the CPU. The
// tests that profile this process's CPU (one profile at a time per
// process), set its profile rates or count its allocations stay
// sequential. An explicit -parallel still wins.
func TestMain(m *testing.M) {
	testparallel.PerCore(4)
	os.Exit(m.Run())
}
