package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/loadgen/loadgen/internal/demotarget"
)

func runTarget(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("target", "[-addr HOST:PORT] [-admin-addr HOST:PORT] [-spans FILE]", stdout)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve the demo target on")
	admin := fs.String("admin-addr", "", "serve pprof, expvar and /metrics on this separate address instead")
	mutex := fs.Int("mutex-fraction", 0, "report 1/N of mutex contention events in the mutex profile (0 = off, as Go's default)")
	block := fs.Int("block-rate", 0, "sample one blocking event per N ns blocked in the block profile (0 = off, as Go's default)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: loadgen target [-addr HOST:PORT] [-admin-addr HOST:PORT] [-spans FILE]

Serves the built-in demo target, a Go service to try loadgen on:

  /fib?n=N          CPU-bound: the N-th Fibonacci number, computed naively (0..%d, default 20)
  /hello            a constant few bytes, as cheap as a handler gets
  /work?c=C&ms=S    at most C requests at once, each taking S ms: capacity C*1000/S req/s
                    (try 'loadgen capacity' on it)
  /stall?every=N&ms=M  every Nth request held M ms (default 100, 250): a few slow ones
                    to find with 'loadgen attack -trace' (server spans with -spans)
  /debug/pprof/     Go's net/http/pprof (for -pprof)
  /debug/vars       Go's expvar (for -expvar)
  /metrics          Prometheus metrics, with process_* and go_* (for -metrics)

The admin endpoints (/debug/..., /metrics) are on -addr too, unless
-admin-addr puts them on a port of their own.

Flags:
`, demotarget.MaxFib)
		fs.PrintDefaults()
	}
	spans := fs.String("spans", "", "append the server spans of sampled requests (W3C trace context, OpenTelemetry) to this file, one JSON line each")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *mutex < 0 || *block < 0 {
		return usagef("-mutex-fraction and -block-rate must not be negative")
	}
	// Process-wide settings: this command is the target's own process.
	runtime.SetMutexProfileFraction(*mutex)
	runtime.SetBlockProfileRate(*block)
	srv, err := demotarget.StartConfig(demotarget.Config{Addr: *addr, AdminAddr: *admin, Spans: *spans})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo target on %s (try %s/fib?n=25)\n", srv.URL, srv.URL)
	fmt.Fprintf(stdout, "admin: %s/debug/pprof/  %s/debug/vars  %s/metrics\n", srv.AdminURL, srv.AdminURL, srv.AdminURL)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	select {
	case <-sigs:
	case err := <-srv.Err():
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
