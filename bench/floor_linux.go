//go:build linux

package main

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sleeper wakes every gap for d on one OS thread, each time with an
// absolute clock_nanosleep to the due instant, and returns how late each
// wake-up was. The sleep is a raw syscall: it keeps the thread's P, so
// the Go scheduler never stands between the kernel's wake-up and the
// reading of the clock (the harness has nothing else to run meanwhile).
func sleeper(gap, d time.Duration) ([]time.Duration, error) {
	type res struct {
		late []time.Duration
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		late, err := sleep(gap, d)
		ch <- res{late, err}
	}()
	r := <-ch
	return r.late, r.err
}

// sleep is sleeper on a goroutine of its own: it locks the thread and
// never unlocks it, so the thread exits with the goroutine, and its timer
// slack with it.
func sleep(gap, d time.Duration) ([]time.Duration, error) {
	runtime.LockOSThread()
	// The thread's timer slack (50 µs by default) would delay every
	// wake-up on purpose; loadgen's timerfd has none.
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("floor: timer slack: %w", err)
	}
	// Due times and wake-ups on one clock, read with raw syscalls: no Go
	// scheduler between the kernel's wake-up and the reading.
	now := func() (int64, error) {
		var ts unix.Timespec
		if _, _, e := syscall.RawSyscall(unix.SYS_CLOCK_GETTIME, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
			return 0, fmt.Errorf("floor: clock: %w", e)
		}
		return ts.Nano(), nil
	}
	t0, err := now()
	if err != nil {
		return nil, err
	}
	n := int(d / gap)
	late := make([]time.Duration, 0, n)
	for k := 1; k <= n; k++ {
		due := t0 + int64(gap)*int64(k)
		spec := unix.NsecToTimespec(due)
		for {
			_, _, e := syscall.RawSyscall6(unix.SYS_CLOCK_NANOSLEEP, unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
			if e == 0 {
				break
			}
			if e != syscall.EINTR {
				return nil, fmt.Errorf("floor: clock_nanosleep: %w", e)
			}
		}
		woke, err := now()
		if err != nil {
			return nil, err
		}
		late = append(late, time.Duration(woke-due))
	}
	return late, nil
}
