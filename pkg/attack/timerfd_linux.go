//go:build linux

package attack

import (
	"errors"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// preciseTimer is a timerfd armed with nanosecond precision and read
// through the runtime's netpoller (an *os.File on a non-blocking fd), so
// the waiting goroutine parks like on a socket and no OS thread sleeps.
// The runtime's own timers cannot do this: epoll_wait takes whole
// milliseconds (golang/go#53824), and nanosleep parks a thread per wait,
// which costs a thread wake-up per hit.
type preciseTimer struct {
	f       *os.File
	fd      int
	stopped atomic.Bool
	buf     [8]byte
}

func newPreciseTimer() (*preciseTimer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &preciseTimer{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd}, nil
}

func (w *preciseTimer) until(t time.Time) bool {
	for {
		if w.stopped.Load() {
			return false
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		// A relative timer: the few ns between time.Until and the syscall
		// only make the wake later, never earlier.
		spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
		if err := unix.TimerfdSettime(w.fd, 0, &spec, nil); err != nil {
			time.Sleep(d)
			continue
		}
		if _, err := w.f.Read(w.buf[:]); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			time.Sleep(time.Until(t)) // closed under us; keep the invariant
		}
	}
}

// interrupt fires the timer now; the loop in until sees stopped.
func (w *preciseTimer) interrupt() {
	w.stopped.Store(true)
	spec := unix.ItimerSpec{Value: unix.Timespec{Nsec: 1}}
	_ = unix.TimerfdSettime(w.fd, 0, &spec, nil)
}

func (w *preciseTimer) close() { w.f.Close() }
