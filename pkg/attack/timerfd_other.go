//go:build !linux

package attack

import "errors"

// newPreciseTimer has no timerfd to use outside Linux; pacing falls back to
// the runtime's timers.
func newPreciseTimer(*alarm) (wakeTimer, error) { return nil, errors.New("no timerfd") }
