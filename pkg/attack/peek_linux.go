//go:build linux

package attack

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// peeker asks the kernel, without blocking and without consuming
// anything, whether a connection is still open and silent: what net/http
// learns from the read loop it keeps on every connection, for one
// recv(2) before a request reuses the connection.
type peeker struct {
	rc     syscall.RawConn
	fn     func(fd uintptr) bool // p.check, bound once: no allocation per peek
	buf    [1]byte
	isDead bool
}

func newPeeker(c net.Conn) *peeker {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &peeker{rc: rc}
	p.fn = p.check
	return p
}

// closed reports whether the peer has closed the connection, reset it, or
// sent bytes nobody asked for (an HTTP/1.1 server's 408 before it closes):
// either way the connection cannot carry the next request.
func (p *peeker) closed() bool {
	if p == nil {
		return false
	}
	p.isDead = false
	if err := p.rc.Read(p.fn); err != nil {
		return true
	}
	return p.isDead
}

func (p *peeker) check(fd uintptr) bool {
	// A raw recvfrom: x/sys's wrapper builds a Sockaddr for the result.
	// RawSyscall6, not Syscall6: a non-blocking recv needs nothing that
	// entersyscall provides, and entersyscall on a process that was idle
	// wakes the sysmon thread through a futex, which then polls with
	// nanosleep: 3 more syscalls and 2 context switches per hit at 5,000
	// req/s (perf record -e syscalls:sys_enter_futex, BENCHMARKS.md).
	n, _, errno := syscall.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&p.buf[0])), 1,
		unix.MSG_PEEK|unix.MSG_DONTWAIT, 0, 0)
	switch {
	case errno == unix.EAGAIN || errno == unix.EINTR:
		p.isDead = false // open, nothing to read: the normal case
	default:
		p.isDead = true // n == 0: EOF; n > 0: unsolicited bytes; or an error
	}
	_ = n
	return true // never wait for readiness
}
