//go:build unix

package runner

import (
	"runtime"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// selfUsage is the process's CPU time (user+sys) and peak RSS so far.
func selfUsage() (cpu time.Duration, maxRSS uint64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	// On Linux, ru_maxrss keeps the parent's peak RSS across a vfork+exec
	// (exec records the old mm's high-water mark), so a loadgen started
	// by a large process reports that process's RSS. VmHWM is this
	// process's own.
	if p, err := procfs.Self(); err == nil {
		if st, err := p.NewStatus(); err == nil && st.VmHWM > 0 {
			return cpu, st.VmHWM
		}
	}
	maxRSS = uint64(ru.Maxrss)
	if runtime.GOOS != "darwin" { // Linux and the BSDs report KiB, macOS bytes
		maxRSS *= 1024
	}
	return cpu, maxRSS
}
