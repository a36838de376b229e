// Package hostile serves misbehaving endpoints on 127.0.0.1 for tests and
// the benchmark harness: targets that send what no well-behaved HTTP server
// would (net/http's server refuses to misbehave, so they speak raw TCP),
// and collector endpoints far larger than any real one.
//
//	srv, _ := hostile.Start(hostile.EndlessBody())
//	defer srv.Close()
//	// attack srv.URL: every response streams until the client gives up
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Behaviour answers one connection however it likes.
type Behaviour func(c net.Conn, br *bufio.Reader)

// Server is a TCP server on 127.0.0.1 that hands every connection to a
// Behaviour.
type Server struct {
	URL string // http://127.0.0.1:port

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// Start serves b on a free loopback port.
func Start(b Behaviour) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() {
					c.Close()
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
				}()
				b(c, bufio.NewReader(c))
			}()
		}
	}()
	return s, nil
}

// Close stops accepting, closes every connection and waits for the
// behaviours to return.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// ReadRequest reads one request (headers and body) and returns its
// method, or "" once the client has closed the connection.
func ReadRequest(br *bufio.Reader) string {
	req, err := http.ReadRequest(br)
	if err != nil {
		return ""
	}
	io.Copy(io.Discard, req.Body)
	return req.Method
}

// Forever writes chunk until the client goes away.
func Forever(c net.Conn, chunk []byte) {
	for {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

var mib = make([]byte, 1<<20)

// OK answers every request with a 5-byte body, keeping the connection.
func OK() Behaviour {
	return func(c net.Conn, br *bufio.Reader) {
		for ReadRequest(br) != "" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		}
	}
}

// EndlessBody answers with a body that never ends (a terabyte announced).
func EndlessBody() Behaviour {
	return func(c net.Conn, br *bufio.Reader) {
		if ReadRequest(br) == "" {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n")
		Forever(c, mib)
	}
}

// HugeHeaders answers with n bytes of headers.
func HugeHeaders(n int) Behaviour {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", i, strings.Repeat("v", 100))
	}
	resp := "HTTP/1.1 200 OK\r\n" + b.String() + "Content-Length: 2\r\n\r\nok"
	return func(c net.Conn, br *bufio.Reader) {
		for ReadRequest(br) != "" {
			io.WriteString(c, resp)
		}
	}
}

// InformationalFlood answers with 1xx responses that never end.
func InformationalFlood() Behaviour {
	chunk := []byte(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", 1000))
	return func(c net.Conn, br *bufio.Reader) {
		if ReadRequest(br) == "" {
			return
		}
		Forever(c, chunk)
	}
}

// ClosesIdle answers one request per connection and closes it without
// saying so (no "Connection: close").
func ClosesIdle() Behaviour {
	return func(c net.Conn, br *bufio.Reader) {
		if ReadRequest(br) != "" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
		}
	}
}

// Collector endpoints: http.Handlers whose payload is built once, so that
// serving costs the server little more than the copy.

// EndlessMetrics is a metrics endpoint whose response never ends.
func EndlessMetrics() http.Handler {
	chunk := []byte(strings.Repeat("# and on and on\n", 1<<16))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
}

// ManySeries is a Prometheus text exposition of n series of one
// application metric, then the standard process metrics.
func ManySeries(n int) http.Handler {
	var b bytes.Buffer
	b.WriteString("# TYPE http_requests_total counter\n")
	for i := range n {
		fmt.Fprintf(&b, "http_requests_total{path=\"/api/v1/items/%d\",code=\"200\",instance=\"i-0123456789\"} %d\n", i, i)
	}
	b.WriteString("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n" +
		"# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1.9505152e+07\n")
	return static("text/plain; version=0.0.4", b.Bytes())
}

// HugeExpvar is a /debug/vars document with junk bytes of another
// variable before a small memstats.
func HugeExpvar(junk int) http.Handler {
	var b bytes.Buffer
	b.WriteString(`{"cmdline": ["x"], "big": "`)
	b.Write(bytes.Repeat([]byte("x"), junk))
	b.WriteString(`", "memstats": {"HeapInuse": 5, "NumGC": 3, "PauseTotalNs": 6, "PauseNs": [1, 2, 3]}}`)
	return static("application/json", b.Bytes())
}

// GzipBomb is a pprof endpoint (every profile) answering with inflated
// zero bytes gzipped: a small download that inflates to inflated bytes.
func GzipBomb(inflated int) http.Handler {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	for left := inflated; left > 0; left -= len(mib) {
		zw.Write(mib[:min(left, len(mib))])
	}
	zw.Close()
	return static("application/octet-stream", b.Bytes())
}

func static(ctype string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}
