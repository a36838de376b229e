//go:build unix

package runner

import (
	"runtime"
	"syscall"
	"time"
)

// selfUsage is the process's CPU time (user+sys) and peak RSS so far.
func selfUsage() (cpu time.Duration, maxRSS uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	maxRSS = uint64(ru.Maxrss)
	if runtime.GOOS != "darwin" { // Linux and the BSDs report KiB, macOS bytes
		maxRSS *= 1024
	}
	return cpu, maxRSS
}
