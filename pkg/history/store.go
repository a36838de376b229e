package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a writer waits for another to finish, in ms.
// Indexing a run takes milliseconds; ten seconds rides out many loadgen
// processes finishing at once.
const BusyTimeout = 10000

// DB is an open history database. It is safe for concurrent use, and
// several processes may open the same file.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens (creating it and its directory if need be) the history
// database at path and brings its schema up to date. A file that is not
// a loadgen history gives ErrNotHistory; one whose schema is newer than
// this loadgen's, a *SchemaError.
func Open(ctx context.Context, path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	// WAL lets readers and one writer proceed together and survives a
	// killed process; writers queue on the busy timeout; every write
	// transaction takes the write lock up front (IMMEDIATE), so two
	// writers never deadlock upgrading read locks.
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history %s: %w", path, err)
	}
	h := &DB{db: db, path: path}
	// A connection's first statement turns WAL on, and SQLite does not
	// call its busy handler for that while another process is creating
	// the database or switching it to WAL: processes that start together
	// (shards on one machine, a CI matrix) got "database is locked" at
	// once. Retry that within the busy timeout, as the handler would.
	deadline := time.Now().Add(BusyTimeout * time.Millisecond)
	for {
		err = h.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return h, nil
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Path is the database file as given to Open.
func (h *DB) Path() string { return h.path }

// Close closes the database.
func (h *DB) Close() error { return h.db.Close() }

// SchemaVersion is the schema version this loadgen writes.
func SchemaVersion() int { return len(migrations) }

func (h *DB) migrate(ctx context.Context) error {
	app, ver, err := h.versions(ctx, h.db)
	if err != nil {
		return err
	}
	if app == applicationID && ver == len(migrations) {
		return nil
	}
	// Refuse what is surely not ours before taking the write lock. An
	// application id of 0 with tables (another program's database) is
	// only told apart from one being created right now under the lock:
	// the id and the tables, read here by two statements, could fall
	// either side of another process's migration.
	if app != 0 {
		if err := h.check(ctx, h.db, app, ver); err != nil {
			return err
		}
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return h.wrap(err)
	}
	defer tx.Rollback()
	// Another process may have migrated while this one waited for the
	// write lock: read the versions again under it.
	if app, ver, err = h.versions(ctx, tx); err != nil {
		return err
	}
	if err := h.check(ctx, tx, app, ver); err != nil {
		return err
	}
	for v := ver; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("history %s: migrate to schema %d: %w", h.path, v+1, err)
		}
	}
	// PRAGMAs take no parameters; both values are integers of ours.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", len(migrations), applicationID)); err != nil {
		return h.wrap(err)
	}
	return h.wrap(tx.Commit())
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (h *DB) versions(ctx context.Context, q querier) (app, ver int, err error) {
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return 0, 0, h.wrap(err)
	}
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&ver); err != nil {
		return 0, 0, h.wrap(err)
	}
	return app, ver, nil
}

// check refuses a database that is not ours or is newer than us.
func (h *DB) check(ctx context.Context, q querier, app, ver int) error {
	if app != applicationID {
		if app != 0 {
			return fmt.Errorf("%s: %w (application id %#x)", h.path, ErrNotHistory, app)
		}
		var tables int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
			return h.wrap(err)
		}
		if tables > 0 {
			return fmt.Errorf("%s: %w (it has tables of another program)", h.path, ErrNotHistory)
		}
	}
	if ver > len(migrations) {
		return &SchemaError{Path: h.path, Have: ver, Know: len(migrations)}
	}
	return nil
}

// dbError is a failure of the database itself (as opposed to a record
// that cannot be read).
type dbError struct {
	path string
	err  error
}

func (e *dbError) Error() string { return fmt.Sprintf("history %s: %v", e.path, e.err) }
func (e *dbError) Unwrap() error { return e.err }

// wrap adds the database's path to an error, and turns SQLite's "not a
// database" into ErrNotHistory.
func (h *DB) wrap(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_NOTADB {
		return fmt.Errorf("%s: %w (%v)", h.path, ErrNotHistory, err)
	}
	var de *dbError
	if errors.As(err, &de) {
		return err
	}
	return &dbError{path: h.path, err: err}
}
