package main

import (
	"os"
	"os/signal"
	"syscall"
)

// onInterrupt wires Ctrl-C and SIGTERM the way every long command wants
// them: the first calls stop (finish gracefully, keep everything), the
// second calls abort (fail requests in flight at once). The returned
// release ends the watch. It deliberately does not watch the command's
// context: stop usually cancels that context, and the second signal must
// still reach abort afterwards.
func onInterrupt(stop, abort func()) (release func()) {
	sigs := make(chan os.Signal, 2)
	done := make(chan struct{})
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		stop()
		select {
		case <-sigs:
			abort()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
