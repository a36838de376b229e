package history_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/history"
)

// The test binary doubles as the writer process of these tests: with
// HISTORY_HELPER set it runs one of the helpers below instead of tests.
func TestMain(m *testing.M) {
	switch os.Getenv("HISTORY_HELPER") {
	case "":
		os.Exit(m.Run())
	case "put":
		os.Exit(helperPut())
	case "index-forever":
		os.Exit(helperIndexForever())
	}
	fmt.Fprintln(os.Stderr, "unknown helper")
	os.Exit(2)
}

// helperPut waits for the start file, then puts N rows with ids PREFIX-i.
func helperPut() int {
	ctx := context.Background()
	db, err := history.Open(ctx, os.Getenv("HISTORY_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	for {
		if _, err := os.Stat(os.Getenv("HISTORY_GO")); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	n, _ := strconv.Atoi(os.Getenv("HISTORY_N"))
	for i := range n {
		r := row(fmt.Sprintf("%s-%d", os.Getenv("HISTORY_PREFIX"), i), "api", time.Now(), 4e6, map[string]string{"i": strconv.Itoa(i)}, nil)
		if err := db.Put(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// helperIndexForever indexes the record again and again, each time under
// a new label, until it is killed.
func helperIndexForever() int {
	ctx := context.Background()
	db, err := history.Open(ctx, os.Getenv("HISTORY_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		r, err := history.FromRecord(os.Getenv("HISTORY_RECORD"), map[string]string{"round": strconv.Itoa(i)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		r.ID = fmt.Sprintf("%s-%d", r.ID, i) // a new row each time
		if err := db.Put(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

func helper(t *testing.T, kind string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"HISTORY_HELPER=" + kind}, env...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestProcessesWritingAtOnce: four processes put 40 rows each into one
// database at the same moment; every row lands.
func TestProcessesWritingAtOnce(t *testing.T) {
	dir := t.TempDir()
	dbPath, goFile := filepath.Join(dir, "history.db"), filepath.Join(dir, "go")
	const procs, each = 4, 40
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := helper(t, "put", "HISTORY_DB="+dbPath, "HISTORY_GO="+goFile, "HISTORY_N="+strconv.Itoa(each), fmt.Sprintf("HISTORY_PREFIX=p%d", p))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	// Every process opens (and the first creates) the database before
	// the start signal, so creation races too.
	time.Sleep(200 * time.Millisecond)
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i, c := range cmds {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Wait() }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	db, err := history.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.List(context.Background(), history.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != procs*each {
		t.Fatalf("%d rows, want %d", len(runs), procs*each)
	}
	for _, r := range runs {
		if len(r.Labels) != 1 || len(r.Metrics) != 2 {
			t.Fatalf("row %s incomplete: %+v", r.ID, r)
		}
	}
}

// TestKilledWhileIndexing: SIGKILL a process in the middle of indexing,
// three times; the database stays readable and consistent, and the
// record it was reading is untouched.
func TestKilledWhileIndexing(t *testing.T) {
	dir := t.TempDir()
	dbPath, rec := filepath.Join(dir, "history.db"), filepath.Join(dir, "run")
	writeSynth(t, rec, synth{name: "api", start: time.Now(), p99: 4e6, noise: 0.03})
	before := digestDir(t, rec)
	ctx := context.Background()
	seen := 0
	for round := range 3 {
		cmd := helper(t, "index-forever", "HISTORY_DB="+dbPath, "HISTORY_RECORD="+rec)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it write some rows (at least one more than before).
		deadline := time.Now().Add(30 * time.Second)
		for count(t, dbPath) <= seen+2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()

		db, err := history.Open(ctx, dbPath)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		runs, err := db.List(ctx, history.Filter{})
		if err != nil {
			t.Fatalf("round %d: list: %v", round, err)
		}
		if len(runs) <= seen {
			t.Fatalf("round %d: %d rows, had %d", round, len(runs), seen)
		}
		for _, r := range runs {
			// A row is all there or not there: never without its
			// labels or metrics.
			if len(r.Labels) != 1 || len(r.Metrics) == 0 {
				t.Fatalf("round %d: torn row %s: %+v", round, r.ID, r)
			}
		}
		seen = len(runs)
		db.Close()
		if got := integrity(t, dbPath); got != "ok" {
			t.Fatalf("round %d: integrity_check: %s", round, got)
		}
	}
	if after := digestDir(t, rec); after != before {
		t.Fatal("the run record changed")
	}
}

func count(t *testing.T, path string) int {
	raw, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM runs").Scan(&n); err != nil {
		return 0 // not created yet
	}
	return n
}

func integrity(t *testing.T, path string) string {
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var s string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// digestDir hashes every file's name and bytes under dir.
func digestDir(t *testing.T, dir string) string {
	h := sha256.New()
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}
