package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/loadgen/loadgen/pkg/recording"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (progress is shown only there).
func isTerminal(w io.Writer) bool {
	for {
		r, ok := w.(redactingWriter)
		if !ok {
			break
		}
		w = r.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress prints one self-overwriting status line per interval.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	total time.Duration
	shown bool
}

func newProgress(w io.Writer, total time.Duration) *progress {
	return &progress{w: w, start: time.Now(), total: total}
}

func (p *progress) interval(iv time.Duration) func(recording.IntervalStats) {
	return func(s recording.IntervalStats) {
		p.mu.Lock()
		defer p.mu.Unlock()
		el := time.Since(p.start).Truncate(time.Second)
		total := "?"
		if p.total > 0 {
			total = p.total.String()
		}
		fmt.Fprintf(p.w, "\r\033[K[%s/%s] %.0f req/s  p99 %s  errors %d (total %d of %d)",
			el, total, float64(s.Completed)/iv.Seconds(), s.P99.Round(10*time.Microsecond), s.Errors, s.ErrorsSoFar, s.Requests)
		p.shown = true
	}
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (p *progress) say(format string, a ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
	fmt.Fprintf(p.w, format, a...)
}
