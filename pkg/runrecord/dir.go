package runrecord

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Errors of PrepareDir. A run never writes into a directory that still
// holds an earlier run: the old profiles, timeline or step records would
// be read as the new run's (a report would mix two runs without a word).
var (
	// ErrRecordExists: the directory holds an earlier run record, and
	// replacing it was not asked for.
	ErrRecordExists = errors.New("already holds a run record")
	// ErrForeignFiles: the directory holds files that are not part of a
	// run record. They are never removed, replace or not.
	ErrForeignFiles = errors.New("holds files that are not part of a run record")
)

// DirError is a PrepareDir refusal: Err is ErrRecordExists or
// ErrForeignFiles; Files names what is in the way.
type DirError struct {
	Dir   string
	Files []string
	Err   error
}

func (e *DirError) Error() string {
	return fmt.Sprintf("%s %v (%s)", e.Dir, e.Err, strings.Join(e.Files, ", "))
}
func (e *DirError) Unwrap() error { return e.Err }

// StepsDir holds the step records of a capacity run.
const StepsDir = "steps"

// recordEntry reports whether a directory entry is one a run record (of
// any kind) writes: its files, its sub-directories, and the hidden
// temporary files of atomic writes that a killed run may leave behind.
func recordEntry(name string) bool {
	switch name {
	case MetaFile, LatencyLog, GroupsLog, IntervalsFile, TargetFile, ProfilesDir, ReportFile, StepsDir, ExemplarsFile, TargetSpansFile:
		return true
	}
	// CreateAtomic's ".NAME.tmp*" and CheckWritable's ".probe*"; other
	// hidden files (.git) are not a record's.
	return strings.HasPrefix(name, ".") && (strings.Contains(name, ".tmp") || strings.HasPrefix(name, ".probe"))
}

// PrepareDir makes dir ready to receive a new run record. A missing or
// empty directory is created or used as is. A directory holding an
// earlier record is refused with ErrRecordExists unless replace is set;
// then every file of the earlier record is removed first, so that none of
// it survives into the new one. A directory holding anything else is
// refused with ErrForeignFiles either way: replacing a record must never
// delete a user's files. Finally it proves a file can be created in dir,
// so an unwritable directory fails before any traffic is sent.
func PrepareDir(dir string, replace bool) error {
	if err := checkDir(dir, replace); err != nil {
		return err
	}
	if replace {
		ents, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("output directory: %w", err)
		}
		for _, e := range ents {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("replacing the run record in %s: %w", dir, err)
			}
		}
	}
	return CheckWritable(dir)
}

// CheckDir is PrepareDir without changing anything: it reports whether a
// new record could be written to dir (with replace, over an earlier one).
func CheckDir(dir string, replace bool) error { return checkDir(dir, replace) }

func checkDir(dir string, replace bool) error {
	ents, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) && !errors.Is(err, fs.ErrPermission) {
			// Not a directory: CheckWritable says so in its own words.
			return nil
		}
		return fmt.Errorf("output directory: %w", err)
	}
	var foreign, record []string
	for _, e := range ents {
		if recordEntry(e.Name()) {
			if !strings.HasPrefix(e.Name(), ".") {
				record = append(record, e.Name())
			}
			continue
		}
		foreign = append(foreign, e.Name())
	}
	sort.Strings(foreign)
	// run.json first: it is what makes the directory a record, so a
	// clipped list still names it.
	sort.Slice(record, func(i, j int) bool {
		if (record[i] == MetaFile) != (record[j] == MetaFile) {
			return record[i] == MetaFile
		}
		return record[i] < record[j]
	})
	switch {
	case len(foreign) > 0:
		return &DirError{Dir: dir, Files: clip(foreign), Err: ErrForeignFiles}
	case len(record) > 0 && !replace:
		return &DirError{Dir: dir, Files: clip(record), Err: ErrRecordExists}
	}
	return nil
}

// clip keeps an error message short.
func clip(names []string) []string {
	if len(names) > 5 {
		return append(names[:5:5], fmt.Sprintf("and %d more", len(names)-5))
	}
	return names
}
