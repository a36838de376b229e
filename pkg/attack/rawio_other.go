//go:build !linux

package attack

import "net"

// rawIO is Linux-only; elsewhere connections use net.Conn's own path.
type rawIO struct{}

func newRawIO(net.Conn) *rawIO             { return nil }
func (*rawIO) read(b []byte) (int, error)  { return 0, nil }
func (*rawIO) write(b []byte) (int, error) { return 0, nil }
