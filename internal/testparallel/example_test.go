package testparallel_test

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/loadgen/loadgen/internal/testparallel"
)

// In a package's TestMain, before m.Run: four parallel tests per core.
func ExamplePerCore() {
	testparallel.PerCore(4)
	fmt.Println(flag.Lookup("test.parallel").Value.String() == fmt.Sprint(4*runtime.GOMAXPROCS(0)))
	// Output: true
}
