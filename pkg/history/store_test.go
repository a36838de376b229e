package history_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/loadgen/loadgen/pkg/history"
)

func openTemp(t *testing.T) (*history.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "history.db")
	db, err := history.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func row(id, name string, start time.Time, p99 float64, labels map[string]string, pass *bool) history.Run {
	return history.Run{
		ID: id, Name: name, Kind: history.KindAttack, Start: start, End: start.Add(time.Minute),
		Path: "/records/" + id, Labels: labels, SLOPass: pass,
		Metrics: map[string]history.Value{"latency.p99": {V: p99, Sigma: p99 / 10, N: 30}, "requests": {V: 100}},
	}
}

func TestPutListFilters(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	yes, no := true, false
	puts := []history.Run{
		row("a1", "api", t0, 4e6, map[string]string{"git": "aaa", "env": "ci"}, &yes),
		row("a2", "api", t0.Add(time.Hour), 5e6, map[string]string{"git": "bbb", "env": "ci"}, &no),
		row("a3", "api", t0.Add(2*time.Hour), 6e6, map[string]string{"git": "ccc", "env": "staging"}, nil),
		row("b1", "web", t0.Add(30*time.Minute), 1e6, nil, &yes),
	}
	for _, r := range puts {
		if err := db.Put(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f history.Filter) string {
		t.Helper()
		runs, err := db.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, r := range runs {
			s += r.ID + " "
		}
		return s
	}
	for _, c := range []struct {
		f    history.Filter
		want string
	}{
		{history.Filter{}, "a1 b1 a2 a3 "},
		{history.Filter{Name: "api"}, "a1 a2 a3 "},
		{history.Filter{Labels: map[string]string{"env": "ci"}}, "a1 a2 "},
		{history.Filter{Labels: map[string]string{"env": "ci", "git": "bbb"}}, "a2 "},
		{history.Filter{Since: t0.Add(30 * time.Minute), Until: t0.Add(time.Hour)}, "b1 a2 "},
		{history.Filter{Pass: true}, "a1 b1 "},
		{history.Filter{Name: "api", Last: 2}, "a2 a3 "},
		{history.Filter{Name: "nope"}, ""},
	} {
		if got := ids(c.f); got != c.want {
			t.Errorf("%+v: got %q, want %q", c.f, got, c.want)
		}
	}

	last, err := db.Latest(ctx, history.Filter{Name: "api", Pass: true})
	if err != nil || last.ID != "a1" {
		t.Fatalf("last pass: %+v %v", last.ID, err)
	}
	if _, err := db.Latest(ctx, history.Filter{Name: "nope"}); !errors.Is(err, history.ErrNotFound) {
		t.Fatalf("latest of nothing: %v", err)
	}

	// Round trip of every field, and re-indexing replaces.
	got, err := db.Get(ctx, "a2")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "api" || got.Labels["git"] != "bbb" || got.SLOPass == nil || *got.SLOPass ||
		got.Metrics["latency.p99"] != (history.Value{V: 5e6, Sigma: 5e5, N: 30}) || got.Metrics["requests"] != (history.Value{V: 100}) ||
		!got.Start.Equal(t0.Add(time.Hour)) || got.Path != "/records/a2" {
		t.Fatalf("round trip: %+v", got)
	}
	moved := row("a2", "api", t0.Add(time.Hour), 5e6, map[string]string{"git": "bbb"}, nil)
	moved.Path = "/elsewhere/a2"
	if err := db.Put(ctx, moved); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Get(ctx, "a2")
	if got.Path != "/elsewhere/a2" || got.SLOPass != nil || len(got.Labels) != 1 {
		t.Fatalf("replaced: %+v", got)
	}
	if ids(history.Filter{}) != "a1 b1 a2 a3 " {
		t.Fatal("re-indexing added a row")
	}
	if err := db.Delete(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Get(ctx, "a2"); !errors.Is(err, history.ErrNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func TestSchemaNewerIsRefused(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = history.Open(ctx, path)
	var se *history.SchemaError
	if !errors.As(err, &se) || !errors.Is(err, history.ErrNewerSchema) || se.Have != 99 || se.Know != history.SchemaVersion() {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestNotAHistoryIsRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(text, []byte("this is not a database, it is a text file with enough bytes in it to have a header..........."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := history.Open(ctx, text); !errors.Is(err, history.ErrNotHistory) {
		t.Fatalf("text file: %v", err)
	}
	other := filepath.Join(dir, "other.db")
	raw, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE customers (id INTEGER)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := history.Open(ctx, other); !errors.Is(err, history.ErrNotHistory) {
		t.Fatalf("another program's database: %v", err)
	}
}

func TestReopenKeepsRowsAndSQLView(t *testing.T) {
	ctx := context.Background()
	db, path := openTemp(t)
	if err := db.Put(ctx, row("x", "api", time.Unix(1e9, 0), 4.5e6, nil, nil)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := history.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Get(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	// The view is for people with the sqlite3 shell.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var p99 float64
	if err := raw.QueryRow("SELECT p99_ms FROM run_metrics WHERE id = 'x'").Scan(&p99); err != nil || p99 != 4.5 {
		t.Fatalf("view: %v %v", p99, err)
	}
	var mode string
	if err := raw.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q %v", mode, err)
	}
}
