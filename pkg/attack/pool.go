package attack

import "sync"

// Pool keeps the HTTP client of an attack, with its connections, for the
// attacks that follow, so that each starts on connections the previous one
// left open (the steps of a capacity search measure the target, not TCP
// handshakes). Pass it in Options.Pool; attacks sharing a pool should run
// one after another and have the same client options.
type Pool struct {
	tracker *connTracker

	mu      sync.Mutex
	clients map[string]any // by client kind; the first attack's client wins
}

// NewPool returns an empty pool; the first attack that uses it fills it.
func NewPool() *Pool {
	return &Pool{tracker: newConnTracker(), clients: map[string]any{}}
}

// share returns the pool's client of this kind, keeping c if it has none.
func (p *Pool) share(kind string, c any) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if have, ok := p.clients[kind]; ok {
		return have
	}
	p.clients[kind] = c
	return c
}

// CloseIdle closes the pool's idle connections.
func (p *Pool) CloseIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clients {
		if ci, ok := c.(interface{ CloseIdleConnections() }); ok {
			ci.CloseIdleConnections()
		}
	}
}
