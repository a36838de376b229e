package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// RecordID is the id of a run record in the history: the record's own run
// id, or for a record written before run ids (format 1) a digest of what
// identifies the run (name, kind, host, start to the nanosecond, shard), so
// the same record indexed from a new path keeps its row.
func RecordID(r *runrecord.Run) string {
	if r.RunID != "" {
		return r.RunID
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", r.Name, r.Kind, r.Host.Hostname, r.Start.UTC().Format(time.RFC3339Nano))
	if r.Shard != nil {
		fmt.Fprintf(h, "\x00%d/%d", r.Shard.Index, r.Shard.Count)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FromRecord reads the run record in dir and makes its row. labels are
// added to the record's own (a label given here wins).
func FromRecord(dir string, labels map[string]string) (Run, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Run{}, err
	}
	rep, err := report.Load(abs)
	if err != nil {
		return Run{}, err
	}
	rec := rep.Runs[0]
	sp, err := recordSpreads(abs, rep)
	if err != nil {
		return Run{}, err
	}
	r := Run{
		ID:          RecordID(rec),
		Name:        rec.Name,
		Kind:        kindOf(rec),
		Start:       rec.Start.UTC(),
		End:         rec.End.UTC(),
		Path:        abs,
		Interrupted: rec.Interrupted || rec.Aborted,
		Loadgen:     rec.Tool.Loadgen,
		Metrics:     figures(rec.Summary, sp),
	}
	if r.Name == "" {
		r.Name = filepath.Base(abs)
	}
	if s := rec.Summary.SLO; s != nil {
		pass := s.Pass
		r.SLOPass = &pass
		r.SLO = rec.Plan.SLO
		if c := rec.Summary.Capacity; c != nil && c.SLO != "" {
			r.SLO = c.SLO
		}
	}
	for k, v := range rec.Labels {
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		r.Labels[k] = v
	}
	for k, v := range labels {
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		r.Labels[k] = v
	}
	return r, nil
}

// kindOf is the record's kind; one shard's own part of a sharded attack is
// kind "shard", so its partial figures never join the trends of whole runs.
func kindOf(r *runrecord.Run) string {
	switch {
	case r.Kind == "" || r.Kind == KindAttack:
		if r.Shard != nil && r.Shard.Count > 1 {
			return KindShard
		}
		return KindAttack
	}
	return r.Kind
}

// recordSpreads is the per-interval spread of a record's metrics. A
// capacity record has no intervals of its own: its summary is that of one
// step, whose record is read instead.
func recordSpreads(dir string, rep *report.Report) (map[string]report.Spread, error) {
	if c := rep.Summary.Capacity; c != nil && c.SummaryStep != "" && len(rep.Intervals) == 0 {
		step, err := report.Load(filepath.Join(dir, c.SummaryStep))
		if err != nil {
			return nil, fmt.Errorf("capacity summary step: %w", err)
		}
		rep = step
	}
	tl, err := report.LoadTimeline(rep)
	if err != nil {
		return nil, err
	}
	return spreads(rep, tl), nil
}

// Index reads the record in dir and puts its row.
func (h *DB) Index(ctx context.Context, dir string, labels map[string]string) (Run, error) {
	r, err := FromRecord(dir, labels)
	if err != nil {
		return Run{}, err
	}
	return r, h.Put(ctx, r)
}

// ImportResult says what Import did.
type ImportResult struct {
	Indexed []Run
	// Missing are the directories given that do not exist.
	Missing []string
	// Failed are records that could not be read, with why.
	Failed []ImportError
}

// ImportError is a record Import could not index.
type ImportError struct {
	Dir string
	Err error
}

func (e ImportError) Error() string { return e.Dir + ": " + e.Err.Error() }

// Import indexes every run record in or under dirs. A record's own
// subdirectories (a capacity search's steps, a sharded run's shards) are
// part of it and not indexed on their own. A directory that does not
// exist is reported in Missing and a record that cannot be read in
// Failed; neither stops the import. Only a database error does.
func (h *DB) Import(ctx context.Context, dirs []string) (ImportResult, error) {
	var res ImportResult
	for _, root := range dirs {
		if _, err := os.Stat(root); err != nil {
			res.Missing = append(res.Missing, root)
			continue
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				res.Failed = append(res.Failed, ImportError{path, err})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.IsDir() {
				return nil
			}
			if _, err := os.Stat(filepath.Join(path, runrecord.MetaFile)); err != nil {
				return nil
			}
			r, err := h.Index(ctx, path, nil)
			var dbErr *dbError
			switch {
			case errors.As(err, &dbErr):
				return err
			case err != nil:
				res.Failed = append(res.Failed, ImportError{path, err})
			default:
				res.Indexed = append(res.Indexed, r)
			}
			return fs.SkipDir
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// Stale returns the indexed runs whose record directory is gone (moved
// or deleted). Importing a moved record again updates its path.
func (h *DB) Stale(ctx context.Context) ([]Run, error) {
	runs, err := h.List(ctx, Filter{})
	if err != nil {
		return nil, err
	}
	var out []Run
	for _, r := range runs {
		if _, err := os.Stat(filepath.Join(r.Path, runrecord.MetaFile)); err != nil {
			out = append(out, r)
		}
	}
	return out, nil
}
