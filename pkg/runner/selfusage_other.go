//go:build !unix

package runner

import "time"

// CPUTime is not measured here.
func CPUTime() time.Duration { return 0 }

// selfUsage is not measured here.
func selfUsage() (time.Duration, uint64) { return 0, 0 }
