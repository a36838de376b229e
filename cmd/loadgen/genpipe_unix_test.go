//go:build unix

package main

import (
	"bufio"
	"fmt"
	"os"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// genPipe is the testscript command "genpipe FIFO URLPREFIX": a target
// generator that never ends, as `gen-unique-ids | loadgen attack -lazy`
// pipes one in. It makes FIFO a named pipe and, in the background, writes
// "GET URLPREFIX<N>" with a new N for every line, until the reader closes
// it.
func genPipe(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: genpipe FIFO URLPREFIX")
	}
	path := ts.MkAbs(args[0])
	ts.Check(syscall.Mkfifo(path, 0o600))
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0) // waits for the reader
		if err != nil {
			return
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		for i := 0; ; i++ {
			if _, err := fmt.Fprintf(w, "GET %s%d\n", args[1], i); err != nil {
				return // the reader is gone: EPIPE
			}
		}
	}()
}
