// Package demotarget is loadgen's built-in demo service: a small Go HTTP
// server with a CPU-bound endpoint worth profiling and the usual admin
// endpoints (net/http/pprof, expvar, Prometheus /metrics). It takes W3C
// trace context from requests with OpenTelemetry's SDK and, given a spans
// file, records its server spans there (see ReadSpans).
//
//	GET /fib?n=25   naive recursive Fibonacci (CPU-bound; n in 0..40)
//	GET /hello      a cheap constant response
//	GET /work?c=8&ms=10  a service of known capacity c*1000/ms requests/s (see Work)
//	GET /stall?every=100&ms=250  every 100th request held 250 ms (see Stall)
//	/debug/pprof/   net/http/pprof
//	/debug/vars     expvar (memstats)
//	/metrics        Prometheus: Go runtime and process metrics, request counts
package demotarget

import (
	"context"
	"errors"
	"expvar"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxFib bounds /fib so a typo cannot pin the CPU for minutes.
const MaxFib = 40

// Fib is deliberately the naive recursive Fibonacci: the hot path a
// profile should find.
func Fib(n int) int {
	if n < 2 {
		return n
	}
	return Fib(n-1) + Fib(n-2)
}

// App returns the application handler (/fib, /hello) counting requests in reg.
func App(reg prometheus.Registerer) http.Handler {
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "demo_requests_total",
		Help: "Requests served by the demo target, by endpoint.",
	}, []string{"endpoint"})
	reg.MustRegister(reqs)
	mux := http.NewServeMux()
	mux.HandleFunc("/fib", func(w http.ResponseWriter, r *http.Request) {
		reqs.WithLabelValues("fib").Inc()
		n := 20
		if s := r.URL.Query().Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 0 || v > MaxFib {
				http.Error(w, fmt.Sprintf("n must be an integer in 0..%d", MaxFib), http.StatusBadRequest)
				return
			}
			n = v
		}
		fmt.Fprintf(w, "fib(%d) = %d\n", n, Fib(n))
	})
	mux.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) {
		reqs.WithLabelValues("hello").Inc()
		w.Write([]byte("hello\n"))
	})
	work := Work()
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		reqs.WithLabelValues("work").Inc()
		work.ServeHTTP(w, r)
	})
	stall := Stall()
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		reqs.WithLabelValues("stall").Inc()
		stall.ServeHTTP(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "loadgen demo target: /fib?n=25 /hello /work?c=8&ms=10 /stall?every=100&ms=250 /debug/pprof/ /debug/vars /metrics")
	})
	return mux
}

// Admin returns pprof, expvar and Prometheus metrics from reg.
func Admin(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/vars", expvar.Handler())
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// Server is a running demo target.
type Server struct {
	URL      string // application base, like http://127.0.0.1:8080
	AdminURL string // admin base (same as URL unless a separate admin address)
	servers  []*http.Server
	errc     chan error
	tracing  *tracing
}

// Config says where the demo target serves and what it records.
type Config struct {
	Addr      string // application address; ":0" style picks a free port
	AdminAddr string // if set, admin endpoints move to this address
	// Spans, if set, is a file the server spans are appended to, one JSON
	// line each (OpenTelemetry's stdout exporter format; see ReadSpans).
	Spans string
}

// Start serves the demo target on addr (":0" style addresses pick a free
// port). With adminAddr set, admin endpoints move to that address.
func Start(addr, adminAddr string) (*Server, error) {
	return StartConfig(Config{Addr: addr, AdminAddr: adminAddr})
}

// StartConfig serves the demo target as cfg says.
func StartConfig(cfg Config) (*Server, error) {
	addr, adminAddr := cfg.Addr, cfg.AdminAddr
	tr, err := newTracing(cfg.Spans)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app, admin := tr.wrap(App(reg)), Admin(reg)

	s := &Server{errc: make(chan error, 2), tracing: tr}
	if adminAddr == "" {
		mux := http.NewServeMux()
		mux.Handle("/debug/", admin)
		mux.Handle("/metrics", admin)
		mux.Handle("/", app)
		u, err := s.listen(addr, mux)
		if err != nil {
			tr.shutdown(context.Background())
			return nil, err
		}
		s.URL, s.AdminURL = u, u
		return s, nil
	}
	u, err := s.listen(addr, app)
	if err != nil {
		tr.shutdown(context.Background())
		return nil, err
	}
	au, err := s.listen(adminAddr, admin)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.URL, s.AdminURL = u, au
	return s, nil
}

func (s *Server) listen(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("demo target: %w", err)
	}
	// No write timeout: pprof's CPU profile holds the response open for
	// its whole window.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.servers = append(s.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Err delivers a fatal serving error.
func (s *Server) Err() <-chan error { return s.errc }

// Shutdown stops accepting, waits for requests in flight, and writes the
// last spans.
func (s *Server) Shutdown(ctx context.Context) error {
	var first error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil && first == nil {
			first = err
		}
	}
	return errors.Join(first, s.tracing.shutdown(ctx))
}

// FlushSpans writes every server span ended so far to the spans file.
func (s *Server) FlushSpans(ctx context.Context) error { return s.tracing.flush(ctx) }

// Close stops at once (spans ended so far are still written).
func (s *Server) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.tracing.shutdown(ctx)
}
