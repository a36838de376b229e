package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testparallel"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/loadgen/loadgen/internal/demotarget"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// TestMain lets testscript run this binary as the `loadgen` command.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) != "" { // a child of TestSIGTERMWritesTheRecord
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// The scripts and the sharded-run tests spend most of their time
	// waiting on attacks that last a wall-clock second or two, not on the
	// CPU: run more of them at once than there are cores (63 s -> 40 s on
	// 2 cores). An explicit -parallel on the command line still wins.
	testparallel.PerCore(3)
	// The tests that call run() attack in this one process, at once; an
	// attack that picked GOMAXPROCS (cpus.go) would change it under the
	// others. A GOMAXPROCS in the environment is left alone, so set one,
	// but not in the children testscript starts as the loadgen command
	// (named "loadgen"), which pick their own as a user's loadgen does.
	if filepath.Base(os.Args[0]) != "loadgen" && os.Getenv("GOMAXPROCS") == "" {
		os.Setenv("GOMAXPROCS", strconv.Itoa(runtime.GOMAXPROCS(0)))
	}
	// Under -race, a process sleeps a second at exit by default
	// (atexit_sleep_ms=1000) so late goroutines can still report; every
	// loadgen these tests start is such a process, ~270 of them. 10 ms,
	// as testscript's own docs suggest: a race found earlier still fails
	// the child with exit status 66. A GORACE given by the user wins.
	if raceEnabled && !strings.Contains(os.Getenv("GORACE"), "atexit_sleep_ms") {
		os.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=10"))
	}
	testscript.Main(m, map[string]func(){
		"loadgen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI end to end: testdata/script/*.txtar. Scripts get
// $TARGET, a demo target on 127.0.0.1 started for that script (admin
// endpoints on the same port), and $ADMIN, the same target's admin base.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			srv, err := demotarget.Start("127.0.0.1:0", "")
			if err != nil {
				return err
			}
			env.Defer(srv.Close)
			env.Setenv("TARGET", srv.URL)
			env.Setenv("TARGET_ADDR", strings.TrimPrefix(srv.URL, "http://"))
			env.Setenv("ADMIN", srv.AdminURL)
			// The profiles that ship with loadgen, to run as a user would.
			profiles, err := filepath.Abs("../../profiles")
			if err != nil {
				return err
			}
			env.Setenv("PROFILES", profiles)
			env.Setenv("ADMIN_ADDR", strings.TrimPrefix(srv.AdminURL, "http://"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// sleep DURATION: give a background command time to get going.
			"sleep": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 {
					ts.Fatalf("usage: sleep DURATION")
				}
				d, err := time.ParseDuration(args[0])
				ts.Check(err)
				time.Sleep(d)
			},
			// waitexists PATH: wait (up to a minute) until PATH exists. A
			// run's record directory is made after loadgen listens for
			// Ctrl-C, so a signal sent once it exists is handled, however
			// slowly a busy machine started the process.
			"waitexists": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 || neg {
					ts.Fatalf("usage: waitexists PATH")
				}
				for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
					if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
						return
					} else if time.Now().After(deadline) {
						ts.Fatalf("%s: %v", args[0], err)
					}
				}
			},
			// slots DIR... N: the runs in DIR... sent or counted missed N
			// slots in all. How many of them went out depends on how busy
			// the machine is (slots that could not leave by the end count
			// as missed); that every slot is accounted for does not.
			"slots": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) < 2 || neg {
					ts.Fatalf("usage: slots DIR... N")
				}
				want, err := strconv.ParseUint(args[len(args)-1], 10, 64)
				ts.Check(err)
				var got, sent uint64
				for _, d := range args[:len(args)-1] {
					run, err := runrecord.Read(ts.MkAbs(d))
					ts.Check(err)
					got += run.Summary.Requests + run.Summary.Missed
					sent += run.Summary.Requests
				}
				if got != want || sent == 0 {
					ts.Fatalf("%d slots sent or missed (%d sent), want %d", got, sent, want)
				}
			},
			// nosecret MARKER PATH...: no file at or under PATH contains
			// MARKER (every planted secret carries it).
			"nosecret": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: nosecret MARKER PATH...")
				}
				files := 0
				for _, root := range args[1:] {
					err := filepath.WalkDir(ts.MkAbs(root), func(path string, d fs.DirEntry, err error) error {
						if err != nil || d.IsDir() {
							return err
						}
						b, err := os.ReadFile(path)
						if err != nil {
							return err
						}
						files++
						if i := bytes.Index(b, []byte(args[0])); i >= 0 {
							ts.Fatalf("%s holds a secret: ...%s...", path, b[max(0, i-60):min(len(b), i+40)])
						}
						return nil
					})
					ts.Check(err)
				}
				if files == 0 {
					ts.Fatalf("nosecret: no file under %v", args[1:])
				}
			},
			// genpipe FIFO URLPREFIX: a target generator without end.
			"genpipe": genPipe,
			// expand FILE...: replace $VAR and ${VAR} in files with the
			// script's environment (targets files need $TARGET).
			"expand": func(ts *testscript.TestScript, neg bool, args []string) {
				for _, f := range args {
					path := ts.MkAbs(f)
					b, err := os.ReadFile(path)
					ts.Check(err)
					ts.Check(os.WriteFile(path, []byte(os.Expand(string(b), ts.Getenv)), 0o644))
				}
			},
		},
	})
}
