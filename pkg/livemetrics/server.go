package livemetrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Path is where the metrics are served.
const Path = "/metrics"

// Server serves loadgen's metrics over HTTP for Prometheus to scrape: the
// attack attached last (see Attach), and loadgen's own process and Go
// runtime metrics. One server outlives the attacks it serves (the steps of
// a capacity search attach one after another), so a dashboard sees one
// target for the whole session.
//
// It serves any other collectors registered in Registry too: a
// coordinator of a sharded run registers its merged view there.
type Server struct {
	// Registry holds what is served; register more collectors in it.
	Registry *prometheus.Registry

	url string
	srv *http.Server

	mu      sync.Mutex
	current *Metrics
	started uint64         // scrapes begun
	scrapes uint64         // scrapes completed
	waiters []scrapeWaiter // NextScrape callers
}

type scrapeWaiter struct {
	after uint64 // scrapes started before the call
	ch    chan struct{}
}

// ErrListen is returned when the metrics address cannot be served.
var ErrListen = errors.New("cannot serve live metrics")

// Listen starts serving on addr (host:port; port 0 picks a free one).
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w on %s: %w", ErrListen, addr, err)
	}
	s := &Server{Registry: prometheus.NewRegistry()}
	s.Registry.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		attached{s},
	)
	h := promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{
		// OpenMetrics carries exemplars on classic buckets; Prometheus with
		// native histograms asks for protobuf, which carries them too.
		EnableOpenMetrics: true,
		Timeout:           10 * time.Second,
	})
	mux := http.NewServeMux()
	mux.Handle(Path, s.counting(h))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "loadgen live metrics: %s\n", Path)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String() + Path
	go s.srv.Serve(ln) // returns ErrServerClosed on Shutdown or Close
	return s, nil
}

// URL is where the metrics are served, like http://127.0.0.1:9464/metrics.
func (s *Server) URL() string { return s.url }

// Attach makes m the attack whose metrics are served, in place of the
// previous one (nil: none).
func (s *Server) Attach(m *Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = m
}

// Scrapes is how many scrapes have completed.
func (s *Server) Scrapes() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scrapes
}

// NextScrape returns a channel closed when a scrape that starts after
// this call has completed: then everything recorded before the call has
// been collected.
func (s *Server) NextScrape() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := scrapeWaiter{after: s.started, ch: make(chan struct{})}
	s.waiters = append(s.waiters, w)
	return w.ch
}

// Shutdown stops serving, letting a scrape in progress finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close stops serving at once.
func (s *Server) Close() error { return s.srv.Close() }

// counting counts scrapes as they start and complete, for NextScrape.
func (s *Server) counting(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.started++
		n := s.started
		s.mu.Unlock()
		h.ServeHTTP(w, r)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.scrapes++
		kept := s.waiters[:0]
		for _, wt := range s.waiters {
			if n > wt.after {
				close(wt.ch)
			} else {
				kept = append(kept, wt)
			}
		}
		s.waiters = kept
	})
}

// attached collects the attack attached to the server at scrape time.
type attached struct{ s *Server }

func (a attached) Describe(chan<- *prometheus.Desc) {} // unchecked: the attack changes

func (a attached) Collect(ch chan<- prometheus.Metric) {
	a.s.mu.Lock()
	m := a.s.current
	a.s.mu.Unlock()
	if m != nil {
		m.Collect(ch)
	}
}
