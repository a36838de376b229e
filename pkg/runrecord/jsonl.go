package runrecord

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// writeJSONL writes one JSON object per line to path, atomically, after a
// header row naming the format and the run (identity.go).
func writeJSONL[T any](path, format, runID string, rows []T) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	if err := enc.Encode(jsonlHeader{Format: format, RunID: runID}); err != nil {
		f.Discard()
		return fmt.Errorf("write %s: %w", path, err)
	}
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			f.Discard()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Discard()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// readJSONL reads one JSON object per line, after the header row (records
// before format version 2 have none); a missing file has no rows. A bad
// line is reported as path:line.
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	var rows []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		if n == 1 {
			if _, ok := parseJSONLHeader(sc.Bytes()); ok {
				continue
			}
		}
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, recordErr(fmt.Sprintf("%s:%d", path, n), "not a row of this file: %v", err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows, nil
}
