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
	closed  bool           // by an Abort: no attack may dial on it again
}

// NewPool returns an empty pool; the first attack that uses it fills it.
func NewPool() *Pool {
	return &Pool{tracker: newConnTracker(), clients: map[string]any{}}
}

// begin hands the pool's connection tracker to the next attack. A
// watchdog's abort of the attack before it closed its connections and
// refused new dials for that attack only; the next one dials again,
// unless an Abort closed the pool.
func (p *Pool) begin() *connTracker {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.tracker.reopen()
	}
	return p.tracker
}

// close makes every later attack on the pool fail its dials (Abort).
func (p *Pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
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
