package attack

import (
	"errors"
	"fmt"
)

// ErrNoTargets is returned when an attack is given no target.
var ErrNoTargets = errors.New("no targets")

// ErrBadShard is returned for a shard index not below the shard count.
var ErrBadShard = errors.New("shard index must be below the number of shards")

// OptionError says that one setting cannot work as given. Option names the
// field of Options it is about ("Duration", "MaxWorkers", "Client",
// "Pacing", "Timeout"), so that a caller can say it in its own words (the
// CLI names its flag) without parsing the message.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

func optionErr(option, format string, a ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, a...)}
}
