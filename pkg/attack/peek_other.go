//go:build !linux

package attack

import "net"

// peeker is a no-op off Linux: a stale
// connection then fails its request as it would with fasthttp alone.
type peeker struct{}

func newPeeker(net.Conn) *peeker { return nil }

func (p *peeker) closed() bool { return false }
