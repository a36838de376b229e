//go:build linux

package attack

import (
	"time"

	"golang.org/x/sys/unix"
)

// fineSleep sleeps d with nanosleep(2). Go's timers block in epoll_wait,
// whose timeout is whole milliseconds, so time.Sleep of 200 µs on an idle
// process wakes about 1 ms later; nanosleep is an hrtimer. It is a normal
// (not raw) syscall, so the runtime hands the sleeping worker's P to
// other goroutines if it needs it. Timer slack (50 µs by default) bounds
// the precision; that is well inside the 1 ms the schedule must keep.
func fineSleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	_ = unix.Nanosleep(&ts, nil) // EINTR: the caller re-checks the clock
}
