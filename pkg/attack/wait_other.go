//go:build !linux

package attack

import "time"

// fineSleep falls back to the runtime's timer elsewhere.
func fineSleep(d time.Duration) { time.Sleep(d) }
