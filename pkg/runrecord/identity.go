package runrecord

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// A record knows it is one. run.json names its format and version and
// carries a run id; every other file is tied to that id:
//
//   - latency.hlog and groups.hlog have a "#[RunID: <id>]" comment in
//     their header (the reference HdrHistogram tools skip comments);
//   - every JSON-lines file loadgen writes (intervals.jsonl, target.jsonl,
//     exemplars.jsonl, and any added later) starts with a header row,
//     {"format":"loadgen-intervals","run_id":"<id>"};
//   - run.json's "files" lists every file the run wrote, with its size
//     and SHA-256, which ties the pprof profiles and the files in other
//     tools' formats (target-spans.jsonl, OpenTelemetry's), and guards the
//     others against truncation or replacement.
//
// A reader (Open) refuses a directory whose run.json is not one of
// loadgen's, holds values out of range, or sits with files of another
// run, and says which file and what is wrong. A writer of a new file of
// the record gives it a header row (writeJSONL, jsonlHeader) or, in a
// format with no room for one, lists it in the manifest (Seal, Attach).

// FormatName is run.json's "format".
const FormatName = "loadgen-run"

// Formats named in the header rows of the JSON-lines files.
const (
	intervalsFormat = "loadgen-intervals"
	targetFormat    = "loadgen-target"
	exemplarsFormat = "loadgen-exemplars"
)

// ErrNotRecord is matched by every *RecordError.
var ErrNotRecord = errors.New("not a valid run record")

// RecordError says what is wrong with a file of a run record (or with
// the directory, when Path is the directory).
type RecordError struct {
	Path    string
	Problem string
}

func (e *RecordError) Error() string        { return e.Path + ": " + e.Problem }
func (e *RecordError) Is(target error) bool { return target == ErrNotRecord }

func recordErr(path, format string, a ...any) error {
	return &RecordError{Path: path, Problem: fmt.Sprintf(format, a...)}
}

// FileEntry is one file of a record in run.json's manifest.
type FileEntry struct {
	Name   string `json:"name"` // relative to the run directory, / separated
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// NewRunID returns a fresh run id: 128 random bits in hex.
func NewRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

var runIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Seal lists the files the run wrote (paths relative to dir; missing
// ones are skipped) in r's manifest, with their sizes and hashes, and
// writes run.json. Files in dir it does not list are not part of the run.
func Seal(dir string, r *Run, files ...string) error {
	m, err := Manifest(dir, files...)
	if err != nil {
		return err
	}
	r.Files = m
	return Write(dir, r)
}

// Manifest is the manifest entries of files (relative to dir; missing ones
// are skipped), for a writer that writes run.json itself.
func Manifest(dir string, files ...string) ([]FileEntry, error) {
	var out []FileEntry
	for _, name := range files {
		e, err := entryOf(dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b FileEntry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Attach adds files written into a record after its run.json (a traced
// target's spans, say; paths relative to dir, missing ones skipped) to
// the record's manifest: from then on they are the run's.
func Attach(dir string, files ...string) error {
	r, err := Read(dir)
	if err != nil {
		return err
	}
	for _, name := range files {
		e, err := entryOf(dir, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		r.Files = slices.DeleteFunc(r.Files, func(f FileEntry) bool { return f.Name == e.Name })
		r.Files = append(r.Files, e)
	}
	slices.SortFunc(r.Files, func(a, b FileEntry) int { return strings.Compare(a.Name, b.Name) })
	return Write(dir, r)
}

func entryOf(dir, name string) (FileEntry, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return FileEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileEntry{}, fmt.Errorf("hash %s: %w", name, err)
	}
	return FileEntry{Name: filepath.ToSlash(name), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open reads and checks a run record: run.json (Read), then that every
// other file in the directory belongs to this run (Verify).
func Open(dir string) (*Run, error) {
	r, err := Read(dir)
	if err != nil {
		return nil, err
	}
	if err := Verify(dir, r); err != nil {
		return nil, err
	}
	return r, nil
}

// Verify checks that the files of dir belong to run r: each file in r's
// manifest is there, unchanged, and carries r's id where its format has
// room for one; no other file sits beside them. Records made before run
// ids (format version 1) have nothing to check against.
func Verify(dir string, r *Run) error {
	if r.FormatVersion < 2 {
		return checkHlogHeader(dir) // the one check an old record allows
	}
	listed := map[string]FileEntry{}
	for _, e := range r.Files {
		listed[e.Name] = e
	}
	present, err := recordFiles(dir)
	if err != nil {
		return err
	}
	for _, name := range present {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if _, ok := listed[name]; ok {
			continue
		}
		if id, err := fileRunID(path, name); err == nil && id != "" && id != noIDFormat && id != r.RunID {
			return recordErr(path, "belongs to run %s, not to this directory's run %s (files of two runs are mixed here)", id, r.RunID)
		}
		return recordErr(path, "is not part of run %s: run.json does not list it (left from another run, or added later)", r.RunID)
	}
	for _, e := range r.Files {
		path := filepath.Join(dir, filepath.FromSlash(e.Name))
		id, err := fileRunID(path, e.Name)
		if errors.Is(err, fs.ErrNotExist) {
			return recordErr(path, "is missing: run.json lists it (%d bytes)", e.Bytes)
		}
		if err != nil {
			return err
		}
		if id != r.RunID && id != noIDFormat {
			if id == "" {
				return recordErr(path, "has no run id: it was not written by the run %s", r.RunID)
			}
			return recordErr(path, "belongs to run %s, not to this directory's run %s (files of two runs are mixed here)", id, r.RunID)
		}
		got, err := entryOf(dir, e.Name)
		if err != nil {
			return err
		}
		if got.Bytes != e.Bytes || got.SHA256 != e.SHA256 {
			return recordErr(path, "changed after the run: %d bytes, sha256 %.12s...; run.json lists %d bytes, %.12s...", got.Bytes, got.SHA256, e.Bytes, e.SHA256)
		}
	}
	return checkHlogHeader(dir)
}

// recordFiles lists the files of a record directory that belong to a run:
// the top level and profiles/, without run.json, the rendered
// report.html, temporary files (.name.tmp*) and subdirectories (a
// capacity search's steps are records of their own).
func recordFiles(dir string) ([]string, error) {
	var out []string
	for _, sub := range []string{"", ProfilesDir} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) && sub != "" {
			continue
		}
		if err != nil {
			return nil, recordErr(dir, "cannot list: %v", err)
		}
		for _, e := range ents {
			name := e.Name()
			if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || (sub == "" && (name == MetaFile || name == ReportFile)) {
				continue
			}
			out = append(out, filepath.ToSlash(filepath.Join(sub, name)))
		}
	}
	return out, nil
}

// noIDFormat is fileRunID's answer for a file whose format has no room
// for a run id (pprof profiles): the manifest ties it.
const noIDFormat = "\x00manifest"

// fileRunID is the run id a file carries.
func fileRunID(path, name string) (string, error) {
	switch {
	case name == LatencyLog, name == GroupsLog:
		return hlogRunID(path)
	case name == TargetSpansFile:
		// OpenTelemetry's format, written by the target: the manifest ties it.
	case strings.HasSuffix(name, ".jsonl"):
		h, err := readJSONLHeader(path)
		return h.RunID, err
	}
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return noIDFormat, nil
}

// jsonlHeader is the first row of a JSON-lines file of a record.
type jsonlHeader struct {
	Format string `json:"format"`
	RunID  string `json:"run_id"`
}

// readJSONLHeader reads the header row of a JSON-lines file (zero when
// the file has none).
func readJSONLHeader(path string) (jsonlHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return jsonlHeader{}, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 4096).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return jsonlHeader{}, fmt.Errorf("read %s: %w", path, err)
	}
	h, _ := parseJSONLHeader(line)
	return h, nil
}

// parseJSONLHeader recognises a header row.
func parseJSONLHeader(line []byte) (jsonlHeader, bool) {
	line = bytes.TrimSpace(line)
	if !bytes.Contains(line, []byte(`"format"`)) {
		return jsonlHeader{}, false
	}
	var h jsonlHeader
	if json.Unmarshal(line, &h) != nil || !strings.HasPrefix(h.Format, "loadgen-") {
		return jsonlHeader{}, false
	}
	return h, true
}

// hlogRunIDComment prefixes the run id line of latency.hlog's header.
const hlogRunIDComment = "[RunID: "

// HlogRunID is the run id in the header of the latency log at path ("" when
// it has none).
func HlogRunID(path string) (string, error) { return hlogRunID(path) }

// hlogRunID is the run id in a latency log's header ("" when none).
func hlogRunID(path string) (string, error) {
	h, err := readHlogHeader(path)
	return h.runID, err
}

type hlogHeader struct {
	runID    string
	complete bool // the legend line, which ends the header, was read
	any      bool // the file has any content
}

// readHlogHeader reads the comment lines that open a latency log.
func readHlogHeader(path string) (hlogHeader, error) {
	f, err := os.Open(path)
	if err != nil {
		return hlogHeader{}, err
	}
	defer f.Close()
	var h hlogHeader
	br := bufio.NewReaderSize(f, 4096)
	for range 64 { // a header is a handful of lines
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			h.any = true
		}
		s := strings.TrimSpace(string(line))
		switch {
		case strings.HasPrefix(s, "#"+hlogRunIDComment):
			h.runID = strings.TrimSuffix(strings.TrimPrefix(s, "#"+hlogRunIDComment), "]")
		case strings.HasPrefix(s, `"StartTimestamp"`):
			h.complete = true
			return h, nil
		case s != "" && !strings.HasPrefix(s, "#"):
			return h, nil // data before a legend: not a header we wrote
		}
		if err != nil {
			return h, nil
		}
	}
	return h, nil
}

// checkHlogHeader refuses a latency log cut inside its header: it would
// read as a log with no intervals, and a report of it as an idle run.
func checkHlogHeader(dir string) error {
	path := filepath.Join(dir, LatencyLog)
	h, err := readHlogHeader(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if h.any && !h.complete {
		return recordErr(path, "is cut inside its header (no legend line): not an interval log loadgen finished writing")
	}
	return nil
}
