package attack

import (
	"os"
	"testing"

	"github.com/loadgen/loadgen/internal/testparallel"
)

// TestMain runs more parallel tests than there are cores: the subtests
// marked t.Parallel wait out a client timeout against a loopback server
// that never finishes its answer, which costs wall time, not CPU. An
// explicit -parallel on the command line still wins.
func TestMain(m *testing.M) {
	testparallel.PerCore(5)
	os.Exit(m.Run())
}
