package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/livemetrics"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// traceFlags find the slow requests: trace context on every request, the
// slowest kept as exemplars, and loadgen's own metrics served live.
type traceFlags struct {
	link      string
	exemplars int
	listen    string
	linger    time.Duration
}

func (f *traceFlags) register(fs *flag.FlagSet, o *attack.Options) {
	fs.BoolVar(&o.Trace, "trace", false, "send a W3C traceparent header (a fresh trace id and span id) on every request; the slowest requests are then kept with their trace ids")
	fs.Float64Var(&o.TraceSample, "trace-sample", 1, "with -trace: the fraction of requests (0..1) whose sampled flag asks the target's tracing to keep them")
	fs.StringVar(&f.link, "trace-link", "", "with -trace: a trace viewer URL with {trace_id}, like 'https://tempo.example/trace/{trace_id}'; the HTML report links the slowest requests to it")
	fs.IntVar(&f.exemplars, "exemplars", runrecord.DefaultExemplars, fmt.Sprintf("how many of the slowest requests each latency interval keeps (1..%d)", runrecord.MaxExemplars))
	fs.StringVar(&f.listen, "listen-metrics", "", "serve loadgen's own metrics for Prometheus at http://ADDR/metrics while it runs, like 127.0.0.1:9464")
	fs.DurationVar(&f.linger, "listen-metrics-linger", 15*time.Second, "with -listen-metrics: if something scraped during the run, keep serving until its next scrape has the final figures, at most this long (0: stop at once)")
}

// check validates the flags against the attack options.
func (f *traceFlags) check(o attack.Options) error {
	switch {
	case f.exemplars < 1 || f.exemplars > runrecord.MaxExemplars:
		return usagef("-exemplars %d: want 1 to %d", f.exemplars, runrecord.MaxExemplars)
	case !o.Trace && f.link != "":
		return usagef("-trace-link needs -trace (without it the slowest requests carry no trace id)")
	case !o.Trace && o.TraceSample != 1:
		return usagef("-trace-sample needs -trace")
	case o.TraceSample < 0 || o.TraceSample > 1:
		return usagef("-trace-sample %g: want a fraction from 0 to 1", o.TraceSample)
	case f.linger < 0:
		return usagef("-listen-metrics-linger must not be negative")
	}
	if f.link != "" {
		if err := report.CheckTraceLink(f.link); err != nil {
			return usagef("-trace-link: %w", err)
		}
	}
	return nil
}

// apply puts the flags into the plan.
func (f *traceFlags) apply(p *runner.Plan) {
	p.Exemplars = f.exemplars
	p.TraceLink = f.link
}

// serveLive starts -listen-metrics, if given, and returns the server (nil
// without) and what to call when the run is over: it waits for a last
// scrape if anything scraped during the run (Ctrl-C skips the wait), then
// stops serving.
func (f *traceFlags) serveLive(stderr io.Writer) (*livemetrics.Server, func(), error) {
	if f.listen == "" {
		return nil, func() {}, nil
	}
	srv, err := livemetrics.Listen(f.listen)
	if err != nil {
		return nil, nil, usagef("-listen-metrics: %w", err)
	}
	fmt.Fprintf(stderr, "live metrics: %s\n", srv.URL())
	return srv, func() {
		if srv.Scrapes() > 0 && f.linger > 0 {
			next := srv.NextScrape()
			fmt.Fprintf(stderr, "waiting up to %s for a last scrape of %s (Ctrl-C skips)\n", f.linger, srv.URL())
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			t := time.NewTimer(f.linger)
			defer t.Stop()
			select {
			case <-next:
			case <-t.C:
			case <-ctx.Done():
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
