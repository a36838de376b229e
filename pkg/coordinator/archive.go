package coordinator

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// packRecord writes dir (a run record) to w as a gzipped tar of its
// regular files. Temporary files of atomic writes and the HTML page are
// left out: the coordinator renders its own.
func packRecord(w io.Writer, dir string) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") || rel == runrecord.ReportFile {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return fmt.Errorf("pack record %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack record %s: %w", dir, err)
	}
	return zw.Close()
}

// errBadArchive marks an upload that is not a record loadgen would write.
var errBadArchive = errors.New("not a run record archive")

// unpackRecord extracts a gzipped tar made by packRecord into dir, which
// must not exist yet. Only regular files with local names are accepted,
// at most maxBytes in all, so an upload can neither escape dir nor fill
// the disk; the record must hold a run.json.
func unpackRecord(r io.Reader, dir string, maxBytes int64) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadArchive, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	var total int64
	hasMeta := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errBadArchive, err)
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("%w: %s is not a regular file", errBadArchive, h.Name)
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) || strings.Count(h.Name, "/") > 3 {
			return fmt.Errorf("%w: bad file name %q", errBadArchive, h.Name)
		}
		total += h.Size
		if h.Size < 0 || total > maxBytes {
			return fmt.Errorf("%w: larger than %d bytes", errBadArchive, maxBytes)
		}
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("%w: %v", errBadArchive, err)
		}
		_, err = io.Copy(f, io.LimitReader(tr, h.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("unpack %s: %w", h.Name, err)
		}
		hasMeta = hasMeta || name == runrecord.MetaFile
	}
	if !hasMeta {
		return fmt.Errorf("%w: no %s", errBadArchive, runrecord.MetaFile)
	}
	return nil
}
