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
}

func newConnTracker() *connTracker {
	return &connTracker{
		conns: make(map[net.Conn]struct{}),
	}
}

// dialVia dials with dial (an attack's route) and tracks the connection.
func (t *connTracker) dialVia(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), network, addr string) (net.Conn, error) {
	c, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted {
		c.Close()
		return nil, errAborted
	}
	tc := &trackedConn{Conn: c, t: t, raw: newRawIO(c)}
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

type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
	raw  *rawIO // nil: net.Conn's own Read and Write (see rawio_linux.go)
}

func (c *trackedConn) Read(b []byte) (n int, err error) {
	if c.raw != nil {
		n, err = c.raw.read(b)
	} else {
		n, err = c.Conn.Read(b)
	}
	c.t.in.Add(uint64(n))
	return n, err
}

func (c *trackedConn) Write(b []byte) (n int, err error) {
	if c.raw != nil {
		n, err = c.raw.write(b)
	} else {
		n, err = c.Conn.Write(b)
	}
	c.t.out.Add(uint64(n))
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
