package main

import (
	"flag"
	"net/http"
	"strconv"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/collect"
	"github.com/loadgen/loadgen/pkg/slo"
)

// collectFlags are the collector's flags, shared by every command that
// attacks (they hang off attackFlags).
type collectFlags struct {
	pprof     string
	metrics   string
	expvar    string
	pid       int
	headers   stringList
	interval  time.Duration
	timeout   time.Duration
	baseline  time.Duration
	maxBytes  byteSize
	maxSeries int
}

// byteSize is a flag of bytes with an optional unit: 64MiB, 512MB, 1048576.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	n, err := slo.ParseBytes(s)
	if err != nil {
		return err
	}
	*b = byteSize(n)
	return nil
}

func (f *collectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.pprof, "pprof", "", "base URL of the target's net/http/pprof, like http://127.0.0.1:6060/debug/pprof: CPU over the attack, heap, allocs, goroutine, mutex, block")
	fs.StringVar(&f.metrics, "metrics", "", "the target's Prometheus or OpenMetrics URL: CPU %, RSS, goroutines, heap, GC pauses")
	fs.StringVar(&f.expvar, "expvar", "", "the target's Go expvar URL (/debug/vars): heap, GC pauses")
	fs.IntVar(&f.pid, "pid", 0, "local process to sample from /proc (any language): CPU %, RSS, threads, fds, context switches")
	fs.Var(&f.headers, "collect-header", "header \"Name: value\" for the collector's requests (repeatable; never recorded)")
	fs.DurationVar(&f.interval, "collect-interval", collect.DefaultInterval, "how often the collector samples the target")
	fs.DurationVar(&f.timeout, "collect-timeout", collect.DefaultTimeout, "timeout of one collector request")
	fs.DurationVar(&f.baseline, "collect-baseline", collect.DefaultBaseline, "idle sampling before the attack (0 = none)")
	f.maxBytes = collect.DefaultMaxBytes
	fs.Var(&f.maxBytes, "collect-max-bytes", "largest collector response read, in bytes with an optional unit like 64MiB or 500MB (default 64MiB), counted after decompression (gzipped profiles included); an endpoint over it is cut there and not read again in the run")
	fs.IntVar(&f.maxSeries, "collect-max-series", collect.DefaultMaxSeries, "most series read from one -metrics scrape (loadgen keeps only the few it uses); an endpoint over it is cut there and not read again in the run")
}

// config builds the collector configuration; nil when nothing is collected.
func (f *collectFlags) config() (*collect.Config, error) {
	c := collect.Config{PprofURL: f.pprof, MetricsURL: f.metrics, ExpvarURL: f.expvar, PID: f.pid}
	if !c.Enabled() {
		if len(f.headers) > 0 {
			return nil, usagef("-collect-header needs -pprof, -metrics or -expvar")
		}
		return nil, nil
	}
	switch {
	case f.interval < 100*time.Millisecond:
		return nil, usagef("-collect-interval %s: must be at least 100ms", f.interval)
	case f.timeout <= 0:
		return nil, usagef("-collect-timeout must be positive")
	case f.baseline < 0:
		return nil, usagef("-collect-baseline must not be negative")
	case f.maxBytes <= 0:
		return nil, usagef("-collect-max-bytes must be positive")
	case f.maxSeries <= 0:
		return nil, usagef("-collect-max-series must be positive")
	case f.pid < 0:
		return nil, usagef("-pid must be positive")
	}
	c.Interval, c.Timeout, c.MaxBytes, c.MaxSeries = f.interval, f.timeout, int64(f.maxBytes), f.maxSeries
	c.Baseline = f.baseline
	if f.baseline == 0 {
		c.Baseline = -1 // collect.Config: negative means none, zero the default
	}
	if len(f.headers) > 0 {
		c.Header = http.Header{}
		for _, h := range f.headers {
			k, v, err := attack.ParseHeader(h)
			if err != nil {
				return nil, usagef("-collect-header: %w", err)
			}
			c.Header.Add(k, v)
		}
	}
	return &c, nil
}
