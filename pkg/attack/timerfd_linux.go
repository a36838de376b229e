//go:build linux

package attack

import (
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spinBelow: a wait this short is spun on the clock rather than slept. A
// wake-up from idle costs the process ~25 µs of CPU on a 2-vCPU VM
// (BENCHMARKS.md), so spinning a few µs is cheaper and exact; at high rates
// a worker that has just read its response often finds its next slot due
// within it.
const spinBelow = 20 * time.Microsecond

// preciseTimer is a timerfd armed with nanosecond precision and waited on
// through the runtime's netpoller (an *os.File on a non-blocking fd), so
// the waiting goroutine parks like on a socket and no OS thread sleeps.
// Busy waits (wait.busy, from 15,000 req/s) use its runtime timer, and
// tell the run's alarm.
// The runtime's own timers cannot do this: epoll_wait takes whole
// milliseconds (golang/go#53824), and nanosleep parks a thread per wait,
// which costs a thread wake-up per hit.
//
// A wait is one syscall: arming the timer resets its expiry count, so the
// fd is never read; the netpoller (edge-triggered) wakes the goroutine
// when the timer fires. Reading it, as os.File.Read would, costs two more
// syscalls per hit (an EAGAIN before parking, one after), which on a VM
// with page-table isolation is ~15 µs of CPU per hit (BENCHMARKS.md).
type preciseTimer struct {
	f       *os.File
	rc      syscall.RawConn
	stopped atomic.Bool
	wait    time.Duration // for the callback, to avoid a closure per wait
	armed   bool
	spec    unix.ItimerSpec
	fn      func(fd uintptr) bool
	rt      *runtimeTimer
	al      *alarm // told of busy waits; nil for the alarm's own timer
}

func newPreciseTimer(al *alarm) (*preciseTimer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "timerfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	w := &preciseTimer{f: f, rc: rc, rt: newRuntimeTimer(), al: al}
	w.fn = w.arm
	return w, nil
}

// arm is the RawConn.Read callback. The first call arms the timer, after
// the netpoller has reset the fd's readiness (so a timer that fires at
// once is not lost), and asks to wait; the call after the wake-up ends the
// wait. Stop is checked after arming: interrupt sets it before arming the
// timer itself, so one of the two always wins.
func (w *preciseTimer) arm(fd uintptr) bool {
	if w.armed {
		return true
	}
	w.armed = true
	w.spec = unix.ItimerSpec{Value: unix.NsecToTimespec(int64(w.wait))}
	if settime(fd, &w.spec) != 0 {
		return true // the caller falls back to sleeping
	}
	return w.stopped.Load()
}

func (w *preciseTimer) until(t time.Time, wt wait) bool {
	early := wt.early
	for {
		if w.stopped.Load() {
			return false
		}
		d := time.Until(t)
		if d <= 0 {
			return true
		}
		if d <= spinBelow+early {
			// Stop is checked now and then: a spin may last early.
			for i := 0; time.Until(t) > 0; i++ {
				if i&63 == 63 && w.stopped.Load() {
					return false
				}
			}
			return true
		}
		if wt.busy {
			w.al.expect(t)
			if !w.rt.until(t.Add(-early), wait{}) {
				return false
			}
			continue
		}
		// A relative timer: the ns between time.Until and the syscall only
		// make the wake later, never earlier; the loop re-checks the clock.
		w.wait, w.armed = d-early, false
		if err := w.rc.Read(w.fn); err != nil {
			time.Sleep(time.Until(t)) // closed under us; keep the invariant
		}
	}
}

// settime arms the timerfd with a raw syscall. timerfd_settime never
// blocks, and a raw syscall skips the runtime's entersyscall, which, on a
// process that was idle, wakes the sysmon thread through a futex: about
// 9 µs of CPU per hit at 5,000 req/s (BENCHMARKS.md, the self-profile).
func settime(fd uintptr, spec *unix.ItimerSpec) syscall.Errno {
	_, _, e := syscall.RawSyscall6(unix.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(spec)), 0, 0, 0)
	return e
}

// interrupt fires the timers now; until sees stopped.
func (w *preciseTimer) interrupt() {
	w.stopped.Store(true)
	w.rt.interrupt()
	spec := unix.ItimerSpec{Value: unix.Timespec{Nsec: 1}}
	_ = w.rc.Control(func(fd uintptr) { _ = unix.TimerfdSettime(int(fd), 0, &spec, nil) })
}

func (w *preciseTimer) close() {
	w.rt.close()
	w.f.Close()
}
