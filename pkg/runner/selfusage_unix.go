//go:build unix

package runner

import (
	"runtime"
	"syscall"
	"time"

	"github.com/prometheus/procfs"
)

// CPUTime is the process's CPU time (user+sys) so far (0 where it is not
// measured).
func CPUTime() time.Duration {
	cpu, _ := rusage()
	return cpu
}

func rusage() (time.Duration, *syscall.Rusage) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, nil
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), &ru
}

// selfUsage is the process's CPU time (user+sys) and peak RSS so far.
func selfUsage() (cpu time.Duration, maxRSS uint64) {
	cpu, ru := rusage()
	if ru == nil {
		return 0, 0
	}
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
