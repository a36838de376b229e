package runner

import (
	"os"
	"testing"

	"github.com/loadgen/loadgen/internal/testparallel"
)

// TestMain runs more parallel tests than there are cores: the tests marked
// t.Parallel spend their time waiting on short loopback attacks and assert
// only counts, orderings and lower bounds, which load cannot break. The
// tests that check the schedule is kept stay sequential, so they run
// alone. An explicit -parallel on the command line still wins.
//
// Under -race every request costs several times the CPU: half as many side
// by side, or a busy box starves their requests past their timeouts.
func TestMain(m *testing.M) {
	if raceEnabled {
		testparallel.PerCore(2)
	} else {
		testparallel.PerCore(4)
	}
	os.Exit(m.Run())
}
