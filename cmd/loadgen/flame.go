package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/google/pprof/profile"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func runFlame(args []string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveFlame(ctx, args, stdout, stderr)
}

// serveFlame is `loadgen flame` until ctx ends.
func serveFlame(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("flame", "[-type cpu|heap|allocs|goroutine|mutex|block] [-http 127.0.0.1:0] [-base BASE[,SHARD...]] RUN...", stdout)
	typ := fs.String("type", "cpu", "profile: cpu, heap, allocs, goroutine, mutex or block")
	addr := fs.String("http", "127.0.0.1:0", "address to serve pprof's web UI on (port 0 picks a free one)")
	base := fs.String("base", "", "run record(s), comma-separated, to diff against (pprof -diff_base)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("give at least one run record directory (several are merged)")
	}
	if err := checkRecords(append(pos, splitDirs(*base)...)); err != nil {
		return err
	}
	p, err := report.LoadProfile(*typ, pos...)
	if errors.Is(err, report.ErrUnknownProfileType) {
		return usageError{err}
	}
	if err != nil {
		return badRecord(err) // an unreadable or corrupt profile is not bad usage; a bad record is
	}
	if p == nil {
		return fmt.Errorf("no %s profile in %s (%s)", *typ, strings.Join(pos, ", "), whyNoProfile(*typ, pos))
	}
	var bp *profile.Profile
	if *base != "" {
		dirs := splitDirs(*base)
		if bp, err = report.LoadProfile(*typ, dirs...); err != nil {
			return badRecord(err)
		}
		if bp == nil {
			return fmt.Errorf("no %s profile in the base %s", *typ, *base)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("-http: %w", err)
	}
	fmt.Fprintf(stdout, "pprof web UI for the %s profile of %s: http://%s/flamegraph\n", *typ, strings.Join(pos, ", "), ln.Addr())
	fmt.Fprintln(stderr, "serving until Ctrl-C")
	return flame.Serve(ctx, ln, p, bp)
}

// splitDirs reads the comma-separated run record list of one side of a
// comparison (the shards of one attack).
func splitDirs(s string) []string {
	var out []string
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// whyNoProfile explains a missing profile from what the run records say:
// the target returned it empty (its profiling off, or nothing contended),
// or nothing was collected with -pprof.
func whyNoProfile(typ string, dirs []string) string {
	collected := false
	for _, d := range dirs {
		r, err := runrecord.Read(d)
		if err != nil || r.Summary.Target == nil {
			continue
		}
		if slices.Contains(r.Summary.Target.ProfilingOff, typ) {
			return text.ProfilingOffNote([]string{typ}) + " (loadgen target: -mutex-fraction, -block-rate)"
		}
		for _, s := range r.Summary.Target.Sources {
			collected = collected || strings.HasPrefix(s, "pprof")
		}
	}
	if collected {
		return "the collector could not take it; see the run's warnings in 'loadgen report'"
	}
	return "the target's profiles are collected with -pprof URL during the attack"
}
