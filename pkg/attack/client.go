package attack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// HTTP clients an attack can send with.
const (
	// ClientAuto picks ClientFast when every target is plain http:// with
	// no proxy, no h2c and no custom transport, else ClientNet.
	ClientAuto = "auto"
	// ClientNet is Go's net/http, configured like vegeta's: HTTP/2, h2c,
	// TLS, proxies and custom transports.
	ClientNet = "net"
	// ClientFast is github.com/valyala/fasthttp for plain HTTP/1.1: no
	// per-request allocation and no hand-offs to per-connection read and
	// write goroutines, so less CPU per request than net/http.
	ClientFast = "fast"
)

// sender sends hits; each worker gets its own conn, used by that worker only.
type sender interface {
	newConn() senderConn
}

// senderConn sends hit seq to target t: it sets r.Sent just before the
// request leaves, r.End when the response is read, and Code, Error,
// BytesIn and BytesOut with vegeta's meanings.
type senderConn interface {
	send(t int, seq uint64, r *Result)
}

// resolveClient decides which client sends, given the options and targets.
func resolveClient(o Options, targets []vegeta.Target) (string, error) {
	why := fastUnsupported(o, targets)
	switch o.Client {
	case "", ClientAuto:
		if why != "" {
			return ClientNet, nil
		}
		return ClientFast, nil
	case ClientNet:
		return ClientNet, nil
	case ClientFast:
		if why != "" {
			return "", optionErr("Client", "the fast client cannot carry this attack: %s (use the net client)", why)
		}
		return ClientFast, nil
	}
	return "", optionErr("Client", "unknown client %q: want auto, net or fast", o.Client)
}

// fastUnsupported says why fasthttp cannot carry this attack ("" if it can).
func fastUnsupported(o Options, targets []vegeta.Target) string {
	switch {
	case o.Transport != nil:
		return "a custom transport is set"
	case o.H2C:
		return "h2c needs net/http"
	case o.Chunked:
		return "chunked bodies need net/http"
	}
	for _, t := range targets {
		u, err := url.Parse(t.URL)
		if err != nil {
			return fmt.Sprintf("target %q: %v", t.URL, err)
		}
		if u.Scheme != "http" {
			return fmt.Sprintf("target %s is not plain http:// (TLS and HTTP/2 need net/http)", t.URL)
		}
		if p, _ := http.ProxyFromEnvironment(&http.Request{URL: u}); p != nil {
			return fmt.Sprintf("target %s goes through proxy %s", t.URL, p.Redacted())
		}
	}
	return ""
}

// netSender sends with net/http the way vegeta's hit does.
type netSender struct {
	client  *http.Client
	targets []vegeta.Target
	errPfx  []string // per target: `Get "url": `
	name    string
	maxBody int64
	chunked bool
	tracker *connTracker
}

// netConn is one worker's sender: its requests carry a context with the
// worker's trace, which counts net/http's own retries and 1xx responses.
type netConn struct {
	s   *netSender
	ctx context.Context
	// attempts: connections net/http got during the current round trip
	// (one per try); n1xx: 1xx responses in it. The trace callbacks run
	// on net/http's goroutines, hence atomics.
	attempts atomic.Int32
	n1xx     atomic.Int32
	retried  atomic.Bool
}

type netConnKey struct{}

func (s *netSender) newConn() senderConn {
	c := &netConn{s: s}
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { c.attempts.Add(1) },
		// With this hook net/http leaves the number of 1xx responses to
		// us (each still within MaxResponseHeaderBytes); fasthttp stops
		// at 100, and so do we.
		Got1xxResponse: func(int, textproto.MIMEHeader) error {
			if c.n1xx.Add(1) > max1xxResponses {
				return errTooMany1xx
			}
			return nil
		},
	}
	c.ctx = context.WithValue(httptrace.WithClientTrace(context.Background(), trace), netConnKey{}, c)
	return c
}

// countingTransport notes, per round trip, whether net/http tried more
// than one connection: it retries a request whose connection turned out
// closed before anything was written, and an idempotent one whose
// connection failed before the first response byte. Neither is silent:
// the retry is counted.
type countingTransport struct{ rt http.RoundTripper }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(netConnKey{}).(*netConn)
	if c == nil {
		return t.rt.RoundTrip(req)
	}
	c.attempts.Store(0)
	c.n1xx.Store(0)
	resp, err := t.rt.RoundTrip(req)
	if c.attempts.Load() > 1 {
		c.retried.Store(true)
	}
	return resp, err
}

// CloseIdleConnections passes through, so Pool.CloseIdle reaches the
// transport.
func (t countingTransport) CloseIdleConnections() {
	if ci, ok := t.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// request is vegeta's Target.Request, with the worker's context.
func (c *netConn) request(tgt *vegeta.Target) (*http.Request, error) {
	var body io.Reader
	if len(tgt.Body) != 0 {
		body = bytes.NewReader(tgt.Body)
	}
	req, err := http.NewRequestWithContext(c.ctx, tgt.Method, tgt.URL, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range tgt.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	if host := req.Header.Get("Host"); host != "" {
		req.Host = host
	}
	return req, nil
}

func (c *netConn) send(t int, seq uint64, r *Result) {
	s := c.s
	tg, pfx := targetOf(s.targets, s.errPfx, t, r)
	req, err := c.request(tg)
	if err != nil {
		r.Sent = time.Now()
		r.End = r.Sent
		r.Error = err.Error()
		return
	}
	if s.name != "" {
		req.Header.Set("X-Vegeta-Attack", s.name)
	}
	req.Header.Set("X-Vegeta-Seq", strconv.FormatUint(seq, 10))
	if s.chunked {
		req.TransferEncoding = append(req.TransferEncoding, "chunked") // as vegeta
	}
	if r.traceparent != nil {
		req.Header["Traceparent"] = r.traceparent
	}
	c.retried.Store(false)
	r.Sent = time.Now()
	resp, err := s.client.Do(req)
	if c.retried.Load() {
		s.tracker.retries.Add(1)
	}
	if err != nil {
		// The target's URL, not the last redirect's: errors group by
		// target, with either client.
		r.End = time.Now()
		r.Error = pfx + netErrorDetail(unwrapURLError(err), nil, false)
		return
	}
	kept, err := drain(resp.Body, s.maxBody)
	resp.Body.Close()
	r.End = time.Now()
	if err != nil {
		// vegeta's hit: a body that cannot be read fails the hit, with
		// no status code, like any other transport error.
		r.Error = pfx + netErrorDetail(err, nil, true)
		return
	}
	r.BytesIn = kept
	if req.ContentLength > 0 {
		r.BytesOut = uint64(req.ContentLength)
	}
	r.Code = uint16(resp.StatusCode)
	if r.Code < 200 || r.Code >= 400 {
		r.Error = resp.Status
	}
}

// targetOf is hit r's target and its error prefix: the attack's target t,
// or the one the hit took from a TargetStream.
func targetOf(targets []vegeta.Target, pfx []string, t int, r *Result) (*vegeta.Target, string) {
	if r.Lazy != nil {
		return &r.Lazy.Target, r.Lazy.errPfx
	}
	return &targets[t], pfx[t]
}

// drain reads the body to the end (so the connection is reused) and returns
// how many bytes vegeta would have kept (-max-body; -1 keeps all).
func drain(body io.Reader, maxBody int64) (uint64, error) {
	n, err := io.Copy(io.Discard, body)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if maxBody >= 0 && n > maxBody {
		n = maxBody
	}
	return uint64(n), err
}
