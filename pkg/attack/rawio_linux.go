//go:build linux

package attack

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a connection's non-blocking socket with raw
// syscalls, still waiting through the netpoller (syscall.RawConn) when it
// would block. The runtime's syscall path (entersyscall) wakes the sysmon
// thread through a futex on the first syscall after the process was idle,
// which an open-loop generator is between most hits: in the self-profile at
// 5,000 req/s that was 9 % of loadgen's CPU (BENCHMARKS.md). Socket reads
// and writes on a non-blocking fd never block, so they need none of what
// entersyscall provides. Errors read as net.Conn's own ("read tcp a->b:
// read: connection reset by peer"), and EOF as io.EOF.
//
// The race detector's annotations of I/O (syscall.Read and Write order
// memory through fds for it) are not available outside the standard
// library, so race builds keep the ordinary path (rawIOEnabled).
type rawIO struct {
	rc   syscall.RawConn
	conn net.Conn
}

func newRawIO(c net.Conn) *rawIO {
	if !rawIOEnabled {
		return nil
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &rawIO{rc: rc, conn: c}
}

func (r *rawIO) read(b []byte) (int, error) {
	if len(b) == 0 {
		return r.conn.Read(b)
	}
	var (
		n     int
		errno syscall.Errno
	)
	err := r.rc.Read(func(fd uintptr) bool {
		for {
			m, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false // wait until readable
			}
			n, errno = int(m), e
			return true
		}
	})
	switch {
	case err != nil:
		return 0, r.opErr("read", err)
	case errno != 0:
		return 0, r.opErr("read", os.NewSyscallError("read", errno))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *rawIO) write(b []byte) (int, error) {
	if len(b) == 0 {
		return r.conn.Write(b)
	}
	var (
		n     int
		errno syscall.Errno
	)
	err := r.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[n])), uintptr(len(b)-n))
			switch e {
			case 0:
				n += int(m)
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // wait until writable, then go on
			default:
				errno = e
				return true
			}
		}
		return true
	})
	switch {
	case err != nil:
		return n, r.opErr("write", err)
	case errno != 0:
		return n, r.opErr("write", os.NewSyscallError("write", errno))
	}
	return n, nil
}

// opErr words err as net.Conn's Read and Write do; a RawConn error is
// already a *net.OpError ("raw-read ..."), whose cause is kept.
func (r *rawIO) opErr(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: r.conn.LocalAddr().Network(), Source: r.conn.LocalAddr(), Addr: r.conn.RemoteAddr(), Err: err}
}
