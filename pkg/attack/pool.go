package attack

import "net/http"

// Pool is an HTTP client with its connections, shared by several attacks so
// that each starts on connections the previous one left open (the steps of
// a capacity search measure the target, not TCP handshakes). Pass it in
// Options.Pool; attacks sharing a pool should run one after another.
type Pool struct {
	client  *http.Client
	tracker *connTracker
}

// NewPool builds the client the options describe (timeout, connection
// limits, keep-alive, HTTP/2, TLS, redirects, Transport).
func NewPool(o Options) *Pool {
	t := newConnTracker()
	return &Pool{client: newClient(o, t), tracker: t}
}

// CloseIdle closes the pool's idle connections.
func (p *Pool) CloseIdle() { p.client.CloseIdleConnections() }
