package attack

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain runs more parallel tests than there are cores: the subtests
// marked t.Parallel wait out a client timeout against a loopback server
// that never finishes its answer, which costs wall time, not CPU. An
// explicit -parallel on the command line still wins.
func TestMain(m *testing.M) {
	if err := flag.Set("test.parallel", strconv.Itoa(5*runtime.GOMAXPROCS(0))); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}
