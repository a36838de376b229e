//go:build !unix

package runner

import "time"

// selfUsage is not measured here.
func selfUsage() (time.Duration, uint64) { return 0, 0 }
