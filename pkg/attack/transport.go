package attack

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/net/http2"
)

// errAborted is what requests in flight see after Abort.
var errAborted = errors.New("attack aborted")

// connTracker remembers open connections so Abort can close them, failing
// in-flight requests at once without a per-request context.
type connTracker struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	peak    int // most connections open at once
	aborted bool
	// bytes on the wire, all connections, headers included
	in, out atomic.Uint64
	// requests sent again on another connection (see fastConn.retryable
	// and netConn); a shared Pool counts them for every attack
	retries atomic.Uint64
}

func newConnTracker() *connTracker {
	return &connTracker{
		conns: make(map[net.Conn]struct{}),
	}
}

// dialVia dials with dial (an attack's route) and tracks the connection,
// for net/http.
func (t *connTracker) dialVia(ctx context.Context, dial dialFunc, network, addr string) (net.Conn, error) {
	return t.open(ctx, dial, network, addr, false)
}

// dialH1 dials with dial (an attack's route) and tracks the connection,
// for fasthttp, which sends one HTTP/1.1 exchange at a time on it from one
// goroutine: the connection keeps the exchange's state and checks, before
// a request reuses it, that the server has not closed it (see
// trackedConn.Write).
func (t *connTracker) dialH1(ctx context.Context, dial dialFunc, network, addr string) (net.Conn, error) {
	return t.open(ctx, dial, network, addr, true)
}

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

func (t *connTracker) open(ctx context.Context, dial dialFunc, network, addr string, h1 bool) (net.Conn, error) {
	c, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: t, raw: newRawIO(c), h1: h1}
	tc.laddr = connAddr{Addr: c.LocalAddr(), c: tc}
	if h1 {
		tc.peek = newPeeker(c)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted {
		c.Close()
		return nil, errAborted
	}
	t.conns[tc] = struct{}{}
	t.peak = max(t.peak, len(t.conns))
	return tc, nil
}

func (t *connTracker) peakConns() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peak
}

// openConns is how many connections are open now.
func (t *connTracker) openConns() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *connTracker) abort() {
	t.mu.Lock()
	t.aborted = true
	conns := make([]net.Conn, 0, len(t.conns))
	for c := range t.conns {
		conns = append(conns, c)
	}
	t.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// reopen lets the tracker dial again after an abort (see Pool.begin).
func (t *connTracker) reopen() {
	t.mu.Lock()
	t.aborted = false
	t.mu.Unlock()
}

// errStaleConn: the server had closed (or written unasked to) a kept-alive
// connection before the next request was written on it, so the request
// never reached it and can go again on another connection.
var errStaleConn = errors.New("server closed the idle connection before the request was written")

type trackedConn struct {
	net.Conn
	t     *connTracker
	once  sync.Once
	raw   *rawIO   // nil: net.Conn's own Read and Write (see rawio_linux.go)
	laddr net.Addr // a connAddr: fasthttp hands it back on its Response

	// HTTP/1.1 exchange state, kept for fasthttp's connections only (h1):
	// one goroutine at a time writes a request, then reads its response.
	// net/http reads and writes from two goroutines, and its read loop
	// notices a server's close by itself.
	h1        bool
	peek      *peeker
	exchanges int   // requests started on this connection
	writing   bool  // the current request is being written (no read yet)
	wrote     int64 // bytes of the current request written
	read      int64 // bytes of the current response read
}

// connAddr is the local address of a tracked connection; it leads back to
// the connection, so a sender can ask what happened on it.
type connAddr struct {
	net.Addr
	c *trackedConn
}

// trackedOf is the connection behind a fasthttp Response's LocalAddr.
func trackedOf(a net.Addr) *trackedConn {
	if ca, ok := a.(connAddr); ok {
		return ca.c
	}
	return nil
}

func (c *trackedConn) LocalAddr() net.Addr { return c.laddr }

func (c *trackedConn) Read(b []byte) (n int, err error) {
	if c.raw != nil {
		n, err = c.raw.read(b)
	} else {
		n, err = c.Conn.Read(b)
	}
	c.t.in.Add(uint64(n))
	if c.h1 {
		c.writing = false
		c.read += int64(n)
	}
	return n, err
}

// Write starts a new exchange when the previous one has been read. On a
// reused connection it first checks that the server has not closed it:
// HTTP/1.1 servers close idle connections without warning (a keep-alive
// timeout, a restart), and a request written into a closed connection may
// or may not have reached the application; one that was never written
// surely did not, so it can be sent again whatever its method.
func (c *trackedConn) Write(b []byte) (n int, err error) {
	if c.h1 && !c.writing {
		if c.exchanges > 0 && c.peek.closed() {
			return 0, errStaleConn
		}
		c.exchanges++
		c.writing, c.wrote, c.read = true, 0, 0
	}
	if c.raw != nil {
		n, err = c.raw.write(b)
	} else {
		n, err = c.Conn.Write(b)
	}
	c.t.out.Add(uint64(n))
	if c.h1 {
		c.wrote += int64(n)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}

// newClient builds the HTTP client the way vegeta's options configure its
// own, so flags keep vegeta's meaning, but with our dialer.
func newClient(o Options, t *connTracker, rt *route) *http.Client {
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return t.dialVia(ctx, rt.dial, network, addr)
	}
	tlsc := &tls.Config{}
	if o.TLS != nil {
		tlsc = o.TLS.Clone()
	}
	tlsc.InsecureSkipVerify = o.Insecure //nolint:gosec // -insecure is the user's explicit choice
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		ProxyConnectHeader:  o.ProxyHeader,
		DialContext:         dial,
		TLSClientConfig:     tlsc,
		MaxIdleConnsPerHost: o.Connections,
		MaxConnsPerHost:     o.MaxConnections,
		DisableKeepAlives:   !o.KeepAlive,
		DisableCompression:  true,
		// net/http's default is 10 MiB; the same bound as fasthttp's read
		// buffer keeps both clients' answers equal (limits.go).
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
	}
	if o.HTTP2 {
		_ = http2.ConfigureTransport(tr) // only fails when already configured
	} else {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	c := &http.Client{Timeout: o.Timeout, Transport: tr}
	if o.H2C {
		c.Transport = &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				return dial(ctx, network, addr)
			},
		}
	}
	if o.Transport != nil {
		c.Transport = o.Transport
	}
	c.Transport = countingTransport{c.Transport}
	n := o.Redirects
	c.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
		switch {
		case n == vegeta.NoFollow:
			return http.ErrUseLastResponse
		case n < len(via):
			return fmt.Errorf("stopped after %d redirects", n)
		default:
			return nil
		}
	}
	return c
}
