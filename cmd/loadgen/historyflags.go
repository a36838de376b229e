package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/loadgen/loadgen/pkg/history"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// defaultHistory is the history database beside the default run
// directories (runs/<name>-<time>).
const defaultHistory = "runs/history.db"

// historyEnv moves the history database (a path, or "off").
const historyEnv = "LOADGEN_HISTORY"

const historyHelp = "run history database: PATH, or off to skip indexing (default $" + historyEnv + ", else " + defaultHistory + ")"

// historyFlags are -history and -label: where a written record is indexed,
// and the tags it carries.
type historyFlags struct {
	path   string
	labels labelSet
}

func (h *historyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.path, "history", "", historyHelp)
	fs.Var(&h.labels, "label", "key=value tag kept in run.json and the history, like git=abc123 or env=staging (repeatable)")
}

// historyPath resolves -history, $LOADGEN_HISTORY and the default; "" means off.
func historyPath(flagValue string) string {
	p := flagValue
	if p == "" {
		p = os.Getenv(historyEnv)
	}
	if p == "" {
		p = defaultHistory
	}
	if strings.EqualFold(p, "off") {
		return ""
	}
	return p
}

// labelSet is a repeatable key=value flag.
type labelSet map[string]string

var labelKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func (l *labelSet) String() string {
	var s []string
	for k, v := range *l {
		s = append(s, k+"="+v)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func (l *labelSet) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || !labelKey.MatchString(k) {
		return fmt.Errorf("%q: want key=value, the key of letters, digits, '_', '.' or '-' (like git=abc123)", v)
	}
	if *l == nil {
		*l = labelSet{}
	}
	(*l)[k] = val
	return nil
}

// indexRecord adds a freshly written record to the history. The record is
// what counts: a history that cannot be written is a warning, not a
// failed run.
func indexRecord(dbPath, dir string, stderr io.Writer) {
	if dbPath == "" {
		return
	}
	ctx := context.Background()
	db, err := history.Open(ctx, dbPath)
	if err == nil {
		_, err = db.Index(ctx, dir, nil)
		err = errors.Join(err, db.Close())
	}
	if err != nil {
		fmt.Fprintf(stderr, "warning: run not added to the history: %v\n", historyWords(err))
		return
	}
	fmt.Fprintf(stderr, "indexed in the run history %s\n", dbPath)
}

// historyWords says a history error in terms of the flags.
func historyWords(err error) error {
	switch {
	case errors.Is(err, history.ErrNewerSchema):
		return fmt.Errorf("%w; give -history another file or -history off", err)
	case errors.Is(err, history.ErrNotHistory):
		return fmt.Errorf("%w; -history (or $%s) names some other file", err, historyEnv)
	}
	return err
}

// writeJUnit writes a JUnit report to path atomically.
func writeJUnit(path string, write func(io.Writer) error) error {
	f, err := runrecord.CreateAtomic(path)
	if err != nil {
		return fmt.Errorf("-junit: %w", err)
	}
	if err := write(f); err != nil {
		f.Discard()
		return fmt.Errorf("-junit %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("-junit: %w", err)
	}
	return nil
}
