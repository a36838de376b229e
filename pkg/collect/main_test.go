package collect

import (
	"os"
	"testing"

	"github.com/loadgen/loadgen/internal/testparallel"
)

// TestMain runs more parallel tests than there are cores: the tests marked
// t.Parallel wait on loopback servers and fake clocks, not on the CPU. The
// tests that count allocations, set the memory profile rate or need the
// mutex profile off stay sequential; of the two that profile this
// process's CPU (one profile at a time per process), one is sequential
// and the other (TestCPUWindowAdaptsToWriteTimeout) the only parallel one.
// An explicit -parallel still wins.
func TestMain(m *testing.M) {
	testparallel.PerCore(4)
	os.Exit(m.Run())
}
