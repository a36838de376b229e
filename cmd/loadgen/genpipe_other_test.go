//go:build !unix

package main

import "github.com/rogpeppe/go-internal/testscript"

// genPipe needs named pipes.
func genPipe(ts *testscript.TestScript, neg bool, args []string) {
	ts.Skip("genpipe: no named pipes on this system")
}
