package attack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
)

// fastSender sends plain HTTP/1.1 with fasthttp. Each worker owns prebuilt
// requests (one per target) and a response, so a hit allocates nothing;
// fasthttp writes and reads on the worker's own goroutine, where net/http
// hands every request to a connection's read and write goroutines.
//
// Semantics kept equal to the net/http sender: connections come from the
// same tracker (wire bytes, Abort), the timeout covers the whole hit
// including redirects, redirects follow net/http's rules (-redirects), and
// a status below 200 or from 400 is an error carrying the status line.
type fastSender struct {
	client   *fasthttp.Client
	targets  []vegeta.Target
	errPfx   []string // per target: `Get "url": `, net/http's error prefix
	name     string
	timeout  time.Duration
	maxBody  int64
	redirect int
	close    bool
}

func newFastSender(o Options, targets []vegeta.Target, t *connTracker, rt *route) *fastSender {
	maxConns := o.MaxConnections
	if maxConns <= 0 {
		maxConns = math.MaxInt32
	}
	c := &fasthttp.Client{
		Name: "Go-http-client/1.1", // what the target sees from net/http too
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			return t.dialVia(ctx, rt.dial, "tcp", addr)
		},
		MaxConnsPerHost:        maxConns,
		MaxConnWaitTimeout:     o.Timeout, // wait for a free connection like net/http, not fail
		DisablePathNormalizing: true,      // send the path as given, as net/http does
		// net/http notices at once when a server closes an idle
		// keep-alive connection (its read loop sees EOF); fasthttp only
		// finds out when it reuses one, and a request fails. Closing idle
		// connections before common server idle timeouts (Node's is 5 s)
		// avoids that race, and LIFO reuse keeps the connections in use
		// few, so the ones opened during a stall go idle and are closed.
		MaxIdleConnDuration: 4 * time.Second,
		ConnPoolStrategy:    fasthttp.LIFO,
	}
	s := &fastSender{
		client:   c,
		targets:  targets,
		name:     o.Name,
		timeout:  o.Timeout,
		maxBody:  o.MaxBody,
		redirect: o.Redirects,
		close:    !o.KeepAlive,
	}
	for _, tg := range targets {
		op := strings.ToUpper(tg.Method[:1]) + strings.ToLower(tg.Method[1:])
		s.errPfx = append(s.errPfx, fmt.Sprintf("%s %q: ", op, tg.URL))
	}
	return s
}

type fastConn struct {
	s *fastSender
	// reqs are prebuilt requests, a direct-mapped cache: target t's is
	// reqs[t%len(reqs)] when owner says so. With up to maxPrebuilt targets
	// every target has its own; with more (a file of 10,000 URLs), a
	// worker rebuilds a request when its slot holds another target's,
	// so memory and a new worker's start-up stay bounded.
	reqs  []*fasthttp.Request
	owner []int
	resp  fasthttp.Response
	seq   []byte
	tp    []byte // traceparent value
}

// maxPrebuilt bounds the requests each worker keeps built.
const maxPrebuilt = 64

func (s *fastSender) newConn() senderConn {
	n := min(len(s.targets), maxPrebuilt)
	c := &fastConn{s: s, reqs: make([]*fasthttp.Request, n), owner: make([]int, n), seq: make([]byte, 0, 20), tp: make([]byte, 0, traceparentLen)}
	for i := range c.reqs {
		c.reqs[i] = new(fasthttp.Request)
		c.reset(i)
	}
	return c
}

// request returns target t's request, built.
func (c *fastConn) request(t int) *fasthttp.Request {
	slot := t % len(c.reqs)
	if c.owner[slot] != t {
		c.reset(t)
	}
	return c.reqs[slot]
}

// reset (re)builds target i's request, in its slot, from its vegeta.Target.
func (c *fastConn) reset(i int) {
	slot := i % len(c.reqs)
	c.owner[slot] = i
	tg, req := &c.s.targets[i], c.reqs[slot]
	req.Reset()
	// fasthttp sends "Content-Type: application/octet-stream" with a body
	// that has none; net/http and vegeta send only what the target says.
	req.Header.SetNoDefaultContentType(true)
	req.SetRequestURI(tg.URL)
	req.Header.SetMethod(tg.Method)
	for k, vs := range tg.Header {
		for _, v := range vs {
			if http.CanonicalHeaderKey(k) == "Host" {
				req.Header.SetHost(v) // vegeta's Target.Request sends this Host too
				req.UseHostHeader = true
				continue
			}
			req.Header.Add(k, v)
		}
	}
	if len(tg.Body) > 0 {
		req.SetBody(tg.Body)
	}
	if c.s.name != "" {
		req.Header.Set("X-Vegeta-Attack", c.s.name)
	}
	if c.s.close {
		req.SetConnectionClose()
	}
}

var errTooManyRedirects = errors.New("stopped after too many redirects")

func (c *fastConn) send(t int, seq uint64, r *Result) {
	req := c.request(t)
	c.seq = strconv.AppendUint(c.seq[:0], seq, 10)
	req.Header.SetBytesV("X-Vegeta-Seq", c.seq)
	if !r.TraceID.IsZero() {
		c.tp = appendTraceparent(c.tp[:0], r.TraceID, r.SpanID, r.Sampled)
		req.Header.SetBytesV(TraceparentHeader, c.tp) // copied into req's buffer: no allocation
	}
	r.Sent = time.Now()
	deadline := r.Sent.Add(c.s.timeout)
	err := c.s.client.DoDeadline(req, &c.resp, deadline)
	redirected := false
	for hops := 0; err == nil && c.s.redirect != vegeta.NoFollow && fasthttp.StatusCodeIsRedirect(c.resp.StatusCode()); hops++ {
		loc := c.resp.Header.Peek("Location")
		if len(loc) == 0 {
			break // net/http returns a redirect without Location as the response
		}
		if hops >= c.s.redirect {
			err = fmt.Errorf("stopped after %d redirects: %w", c.s.redirect, errTooManyRedirects)
			break
		}
		redirected = true
		followRedirect(req, c.resp.StatusCode(), loc)
		err = c.s.client.DoDeadline(req, &c.resp, deadline)
	}
	r.End = time.Now()
	if redirected {
		c.reset(t)
	}
	if err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) {
			err = fmt.Errorf("%w (Client.Timeout exceeded)", err)
		}
		r.Error = c.s.errPfx[t] + err.Error()
		c.resp.Reset()
		return
	}
	r.Code = uint16(c.resp.StatusCode())
	n := int64(len(c.resp.Body()))
	if c.s.maxBody >= 0 && n > c.s.maxBody {
		n = c.s.maxBody
	}
	r.BytesIn = uint64(n)
	r.BytesOut = uint64(len(c.s.targets[t].Body))
	if r.Code < 200 || r.Code >= 400 {
		r.Error = strconv.Itoa(int(r.Code)) + " " + string(statusText(&c.resp))
	}
	c.resp.Reset()
}

// followRedirect points req at loc with net/http's method rules: 301, 302
// and 303 turn anything but GET and HEAD into a GET without a body.
func followRedirect(req *fasthttp.Request, code int, loc []byte) {
	req.URI().UpdateBytes(loc)
	req.Header.SetHostBytes(req.URI().Host())
	if code == 307 || code == 308 {
		return
	}
	m := req.Header.Method()
	if !bytes.Equal(m, []byte("GET")) && !bytes.Equal(m, []byte("HEAD")) {
		req.Header.SetMethod("GET")
		req.ResetBody()
		req.Header.Del("Content-Type")
	}
}

// statusText is the server's reason phrase, or the standard one.
func statusText(resp *fasthttp.Response) []byte {
	if m := resp.Header.StatusMessage(); len(m) > 0 {
		return m
	}
	return []byte(http.StatusText(resp.StatusCode()))
}
