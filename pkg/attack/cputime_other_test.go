//go:build !unix

package attack

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
