package flame

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/google/pprof/profile"
)

// Serve serves google/pprof's interactive web UI (flame graph, top,
// graph, source, peek) for p on ln until ctx ends. With base set, every
// view is the difference p minus base (pprof's -diff_base). It is `go tool
// pprof -http` in-process: nothing else needs to be installed. pprof's
// driver keeps its settings in package state: do not render HTML reports
// in the same process while this serves.
func Serve(ctx context.Context, ln net.Listener, p, base *profile.Profile) error {
	hs, err := pprofHandlers(p, base)
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	for path, h := range hs {
		mux.Handle(path, h)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve pprof UI: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop pprof UI: %w", err)
	}
	return nil
}
