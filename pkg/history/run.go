package history

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Kinds of run.
const (
	KindAttack   = "attack"
	KindCapacity = "capacity"
	KindSharded  = "sharded"
	KindShard    = "shard" // one shard's own record of a sharded attack
)

// Run is one indexed run record.
type Run struct {
	// ID identifies the record; indexing the same record again (even
	// from a new path, after it was moved) replaces its row.
	ID     string            `json:"id"`
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Labels map[string]string `json:"labels,omitempty"`
	Start  time.Time         `json:"start"`
	End    time.Time         `json:"end"`
	// Path is the record's directory, absolute.
	Path        string `json:"path"`
	Interrupted bool   `json:"interrupted,omitempty"`
	// SLO is the -slo checks and SLOPass their verdict; both empty when
	// the run had none.
	SLO     string `json:"slo,omitempty"`
	SLOPass *bool  `json:"slo_pass,omitempty"`
	Loadgen string `json:"loadgen,omitempty"`
	// Metrics are the headline figures by name (see Metrics).
	Metrics map[string]Value `json:"metrics"`
	Indexed time.Time        `json:"indexed"`
}

// Value is one metric of a run, in the summary's units (durations in
// nanoseconds), with the spread of its per-interval values when it has
// them (the noise Compare measures).
type Value struct {
	V     float64 `json:"value"`
	Sigma float64 `json:"sigma,omitempty"`
	N     int     `json:"n,omitempty"`
}

// Put indexes a run, replacing any row with the same ID.
func (h *DB) Put(ctx context.Context, r Run) error {
	if r.ID == "" || r.Name == "" {
		return fmt.Errorf("history: a run needs an id and a name")
	}
	if r.Indexed.IsZero() {
		r.Indexed = time.Now()
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return h.wrap(err)
	}
	defer tx.Rollback()
	var pass any
	if r.SLOPass != nil {
		pass = *r.SLOPass
	}
	_, err = tx.ExecContext(ctx, `
INSERT INTO runs (id, name, kind, start_ns, end_ns, path, interrupted, slo, slo_pass, loadgen, indexed_ns)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	name = excluded.name, kind = excluded.kind, start_ns = excluded.start_ns, end_ns = excluded.end_ns,
	path = excluded.path, interrupted = excluded.interrupted, slo = excluded.slo, slo_pass = excluded.slo_pass,
	loadgen = excluded.loadgen, indexed_ns = excluded.indexed_ns`,
		r.ID, r.Name, r.Kind, r.Start.UnixNano(), r.End.UnixNano(), r.Path, r.Interrupted,
		nullString(r.SLO), pass, nullString(r.Loadgen), r.Indexed.UnixNano())
	if err != nil {
		return h.wrap(err)
	}
	for _, table := range []string{"labels", "metrics"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE run_id = ?", r.ID); err != nil {
			return h.wrap(err)
		}
	}
	// One multi-row INSERT per table: a statement costs more than a row.
	if len(r.Labels) > 0 {
		var args []any
		for k, v := range r.Labels {
			args = append(args, r.ID, k, v)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO labels (run_id, key, value) VALUES "+rowsOf(3, len(r.Labels)), args...); err != nil {
			return h.wrap(err)
		}
	}
	if len(r.Metrics) > 0 {
		var args []any
		for name, v := range r.Metrics {
			var sigma, n any
			if v.N > 0 {
				sigma, n = v.Sigma, v.N
			}
			args = append(args, r.ID, name, v.V, sigma, n)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO metrics (run_id, name, value, sigma, n) VALUES "+rowsOf(5, len(r.Metrics)), args...); err != nil {
			return h.wrap(err)
		}
	}
	return h.wrap(tx.Commit())
}

// rowsOf is "(?, ?), (?, ?)" for n rows of k columns.
func rowsOf(k, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", k), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Filter selects runs. The zero Filter selects every run.
type Filter struct {
	ID   string // exactly this run
	Name string
	Kind string
	// Labels must all match (key=value).
	Labels map[string]string
	// Since and Until bound the start time (inclusive; zero: open).
	Since, Until time.Time
	// Pass keeps only runs whose SLO passed.
	Pass bool
	// Last keeps only the newest Last runs (0: all).
	Last int
}

// where is the SQL condition and its arguments for f, over runs r.
func (f Filter) where() (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if f.ID != "" {
		add("r.id = ?", f.ID)
	}
	if f.Name != "" {
		add("r.name = ?", f.Name)
	}
	if f.Kind != "" {
		add("r.kind = ?", f.Kind)
	}
	keys := make([]string, 0, len(f.Labels))
	for k := range f.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("EXISTS (SELECT 1 FROM labels l WHERE l.run_id = r.id AND l.key = ? AND l.value = ?)", k, f.Labels[k])
	}
	if !f.Since.IsZero() {
		add("r.start_ns >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("r.start_ns <= ?", f.Until.UnixNano())
	}
	if f.Pass {
		add("r.slo_pass = 1")
	}
	return strings.Join(conds, " AND "), args
}

// List returns the runs f selects, oldest first.
func (h *DB) List(ctx context.Context, f Filter) ([]Run, error) {
	where, args := f.where()
	q := `SELECT id, name, kind, start_ns, end_ns, path, interrupted, slo, slo_pass, loadgen, indexed_ns FROM runs r WHERE ` +
		where + ` ORDER BY start_ns DESC, id DESC`
	if f.Last > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Last)
	}
	rows, err := h.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, h.wrap(err)
	}
	var runs []Run
	byID := map[string]int{}
	for rows.Next() {
		var (
			r               Run
			start, end, idx int64
			slo, loadgen    sql.NullString
			pass            sql.NullBool
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &start, &end, &r.Path, &r.Interrupted, &slo, &pass, &loadgen, &idx); err != nil {
			rows.Close()
			return nil, h.wrap(err)
		}
		r.Start, r.End, r.Indexed = time.Unix(0, start).UTC(), time.Unix(0, end).UTC(), time.Unix(0, idx).UTC()
		r.SLO, r.Loadgen = slo.String, loadgen.String
		if pass.Valid {
			r.SLOPass = &pass.Bool
		}
		r.Metrics = map[string]Value{}
		byID[r.ID] = len(runs)
		runs = append(runs, r)
	}
	if err := rows.Close(); err != nil {
		return nil, h.wrap(err)
	}
	if err := rows.Err(); err != nil {
		return nil, h.wrap(err)
	}
	slices.Reverse(runs)
	for id, i := range byID {
		byID[id] = len(runs) - 1 - i
	}
	if len(runs) == 0 {
		return nil, nil
	}
	// Labels and metrics of the runs found, in two queries.
	ids := make([]any, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	if err := h.each(ctx, "SELECT run_id, key, value FROM labels WHERE run_id IN "+in, ids, func(s scanner) error {
		var id, k, v string
		if err := s.Scan(&id, &k, &v); err != nil {
			return err
		}
		r := &runs[byID[id]]
		if r.Labels == nil {
			r.Labels = map[string]string{}
		}
		r.Labels[k] = v
		return nil
	}); err != nil {
		return nil, err
	}
	if err := h.each(ctx, "SELECT run_id, name, value, sigma, n FROM metrics WHERE run_id IN "+in, ids, func(s scanner) error {
		var (
			id, name string
			v        float64
			sigma    sql.NullFloat64
			n        sql.NullInt64
		)
		if err := s.Scan(&id, &name, &v, &sigma, &n); err != nil {
			return err
		}
		runs[byID[id]].Metrics[name] = Value{V: v, Sigma: sigma.Float64, N: int(n.Int64)}
		return nil
	}); err != nil {
		return nil, err
	}
	return runs, nil
}

type scanner interface{ Scan(dest ...any) error }

func (h *DB) each(ctx context.Context, q string, args []any, fn func(scanner) error) error {
	rows, err := h.db.QueryContext(ctx, q, args...)
	if err != nil {
		return h.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return h.wrap(err)
		}
	}
	return h.wrap(rows.Err())
}

// Latest returns the newest run f selects, or ErrNotFound.
func (h *DB) Latest(ctx context.Context, f Filter) (Run, error) {
	f.Last = 1
	runs, err := h.List(ctx, f)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, ErrNotFound
	}
	return runs[0], nil
}

// Get returns the run with this id, or ErrNotFound.
func (h *DB) Get(ctx context.Context, id string) (Run, error) {
	return h.Latest(ctx, Filter{ID: id})
}

// Delete removes a run's row (never its record).
func (h *DB) Delete(ctx context.Context, id string) error {
	res, err := h.db.ExecContext(ctx, "DELETE FROM runs WHERE id = ?", id)
	if err != nil {
		return h.wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
