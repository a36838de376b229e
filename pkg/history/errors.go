package history

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when no indexed run matches.
var ErrNotFound = errors.New("no such run in the history")

// ErrNotHistory is returned by Open for a file that is not a loadgen
// history database.
var ErrNotHistory = errors.New("not a loadgen history database")

// ErrNewerSchema is matched (errors.Is) by a *SchemaError.
var ErrNewerSchema = errors.New("history database written by a newer loadgen")

// SchemaError says the database's schema is newer than this loadgen
// understands: it is refused rather than misread or downgraded.
type SchemaError struct {
	Path       string
	Have, Know int // the database's schema version, and this loadgen's
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s: history schema version %d is newer than this loadgen understands (%d): upgrade loadgen, or use another history database",
		e.Path, e.Have, e.Know)
}

// Is makes errors.Is(err, ErrNewerSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrNewerSchema }
