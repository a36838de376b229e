package attack

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
)

// fastSender sends plain HTTP/1.1 with fasthttp. Each worker owns prebuilt
// requests (one per target) and a response, so a hit allocates little;
// fasthttp writes and reads on the worker's own goroutine, where net/http
// hands every request to a connection's read and write goroutines.
//
// Semantics kept equal to the net/http sender (TestHostileTargets holds
// both to one table): connections come from the same tracker (wire
// bytes, Abort); the timeout covers the whole hit, redirects included;
// bodies stream and are discarded, so a response costs a fixed buffer
// whatever its size; headers are bounded alike; redirects follow
// net/http's rules (-redirects), and a hop to another scheme (https) goes
// through net/http; retries follow net/http's rules and are counted; a
// status below 200 or from 400 is an error carrying the status line.
type fastSender struct {
	client   *fasthttp.Client
	targets  []vegeta.Target
	errPfx   []string // per target: `Get "url": `, net/http's error prefix
	name     string
	timeout  time.Duration
	maxBody  int64
	redirect int
	close    bool
	tracker  *connTracker

	// other carries redirect hops to schemes fasthttp does not speak here
	// (https), made on first use.
	otherOnce sync.Once
	other     *http.Client
	opts      Options
	route     *route
}

// maxStaleSkips bounds how many closed idle connections one request may
// find in a row before it fails (each costs one recv(2), nothing is sent).
const maxStaleSkips = 64

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
			return t.dialH1(ctx, rt.dial, "tcp", addr)
		},
		MaxConnsPerHost:        maxConns,
		MaxConnWaitTimeout:     o.Timeout, // wait for a free connection like net/http, not fail
		DisablePathNormalizing: true,      // send the path as given, as net/http does
		// Idle connections the server closed are found before reuse
		// (trackedConn.Write), but closing ours before common server
		// idle timeouts (Node's is 5 s) saves the recv(2), and LIFO
		// reuse keeps the connections in use few, so the ones opened
		// during a stall go idle and are closed.
		MaxIdleConnDuration: 4 * time.Second,
		ConnPoolStrategy:    fasthttp.LIFO,
		// Bodies stream through a fixed buffer and are discarded: a
		// multi-gigabyte or endless body costs no more memory than a
		// small one (fasthttp buffers whole bodies otherwise).
		StreamResponseBody: true,
		// The read buffer bounds the status line and headers; fasthttp
		// cannot parse headers larger than it (limits.go).
		ReadBufferSize: MaxResponseHeaderBytes,
		// fasthttp would retry idempotent requests up to 5 times on any
		// error, silently; send retries them by net/http's rules, and
		// counts them.
		MaxIdemponentCallAttempts: 1,
	}
	s := &fastSender{
		client:   c,
		targets:  targets,
		name:     o.Name,
		timeout:  o.Timeout,
		maxBody:  o.MaxBody,
		redirect: o.Redirects,
		close:    !o.KeepAlive,
		tracker:  t,
		opts:     o,
		route:    rt,
	}
	for _, tg := range targets {
		s.errPfx = append(s.errPfx, errPrefix(tg.Method, tg.URL))
	}
	return s
}

// errLazyScheme fails a streamed target the fast client cannot send.
var errLazyScheme = errors.New("not plain http://: the client was chosen from the target stream's first target; use the net/http client for a stream that mixes schemes")

// errPrefix is net/http's `Get "url": ` for a request, with the URL's
// password replaced as net/http's Client does.
func errPrefix(method, rawURL string) string {
	shown := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		shown = redactedURL(u)
	}
	return fmt.Sprintf("%s %q: ", urlOp(method), shown)
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
	// userAuth: the slot's Authorization came from its URL's userinfo
	// (dropped on the first redirect, as net/http does).
	userAuth []bool
	resp     fasthttp.Response
	seq      []byte
	tp       []byte // traceparent value
}

// maxPrebuilt bounds the requests each worker keeps built.
const maxPrebuilt = 64

func (s *fastSender) newConn() senderConn {
	n := min(len(s.targets), maxPrebuilt)
	if n == 0 {
		// Targets from a TargetStream are each sent once: one request,
		// rebuilt for every hit.
		n = 1
	}
	c := &fastConn{s: s, reqs: make([]*fasthttp.Request, n), owner: make([]int, n), userAuth: make([]bool, n),
		seq: make([]byte, 0, 20), tp: make([]byte, 0, traceparentLen)}
	for i := range c.reqs {
		c.reqs[i] = new(fasthttp.Request)
		c.owner[i] = -1
		if i < len(s.targets) {
			c.reset(i, &s.targets[i])
		}
	}
	return c
}

// request returns target t's request, built.
func (c *fastConn) request(t int, tg *vegeta.Target) *fasthttp.Request {
	slot := t % len(c.reqs)
	if c.owner[slot] != t {
		c.reset(t, tg)
	}
	return c.reqs[slot]
}

// reset (re)builds target i's request, in its slot, from its vegeta.Target.
func (c *fastConn) reset(i int, tg *vegeta.Target) {
	slot := i % len(c.reqs)
	c.owner[slot], c.userAuth[slot] = i, false
	req := c.reqs[slot]
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
	// net/http sends a URL's userinfo as Basic credentials (on the first
	// hop only); fasthttp ignores it.
	if u := req.URI(); len(u.Username()) > 0 && len(req.Header.Peek("Authorization")) == 0 {
		cred := base64.StdEncoding.EncodeToString([]byte(string(u.Username()) + ":" + string(u.Password())))
		req.Header.Set("Authorization", "Basic "+cred)
		c.userAuth[slot] = true
	}
	if c.s.name != "" {
		req.Header.Set("X-Vegeta-Attack", c.s.name)
	}
	if c.s.close {
		req.SetConnectionClose()
	}
}

// errTooManyRedirects: net/http's words when -redirects is exceeded.
type errTooManyRedirects int

func (e errTooManyRedirects) Error() string {
	return "stopped after " + strconv.Itoa(int(e)) + " redirects"
}

func (c *fastConn) send(t int, seq uint64, r *Result) {
	tg, pfx := targetOf(c.s.targets, c.s.errPfx, t, r)
	if r.Lazy != nil && !strings.HasPrefix(tg.URL, "http://") {
		// The client was chosen from the stream's first target.
		r.Sent = time.Now()
		r.End = r.Sent
		r.Error = pfx + errLazyScheme.Error()
		return
	}
	req := c.request(t, tg)
	c.seq = strconv.AppendUint(c.seq[:0], seq, 10)
	req.Header.SetBytesV("X-Vegeta-Seq", c.seq)
	if !r.TraceID.IsZero() {
		c.tp = appendTraceparent(c.tp[:0], r.TraceID, r.SpanID, r.Sampled)
		req.Header.SetBytesV(TraceparentHeader, c.tp) // copied into req's buffer: no allocation
	}
	r.Sent = time.Now()
	deadline := r.Sent.Add(c.s.timeout)
	err := c.do(req, deadline)
	redirected := false
	for hops := 0; err == nil && c.s.redirect != vegeta.NoFollow && fasthttp.StatusCodeIsRedirect(c.resp.StatusCode()); hops++ {
		loc := c.resp.Header.Peek("Location")
		if len(loc) == 0 {
			break // net/http returns a redirect without Location as the response
		}
		if hops >= c.s.redirect {
			err = errTooManyRedirects(c.s.redirect)
			break
		}
		redirected = true
		code := c.resp.StatusCode()
		prev := req.URI().String()
		// net/http reads up to 2 KiB of a redirect's body so that its
		// connection can be reused, and closes the rest.
		c.closeBody(2 << 10)
		if c.userAuth[t%len(c.reqs)] && hops == 0 {
			req.Header.Del("Authorization")
		}
		followRedirect(req, code, loc, prev)
		if !bytes.Equal(req.URI().Scheme(), []byte("http")) {
			c.sendOther(tg, pfx, req, deadline, hops+1, r)
			c.reset(t, tg)
			return
		}
		err = c.do(req, deadline)
	}
	if redirected {
		defer c.reset(t, tg)
	}
	if err != nil {
		r.End = time.Now()
		r.Error = pfx + fastError(err, false)
		c.closeBody(0)
		c.resp.Reset()
		return
	}
	n, err := c.readBody()
	r.End = time.Now()
	defer c.resp.Reset()
	if err != nil {
		// vegeta's hit: a body that cannot be read fails the hit, with no
		// status code, like any other transport error.
		r.Error = pfx + fastError(err, true)
		return
	}
	if c.s.maxBody >= 0 && n > c.s.maxBody {
		n = c.s.maxBody
	}
	r.Code = uint16(c.resp.StatusCode())
	r.BytesIn = uint64(n)
	r.BytesOut = uint64(len(tg.Body))
	if r.Code < 200 || r.Code >= 400 {
		r.Error = strconv.Itoa(int(r.Code)) + " " + string(statusText(&c.resp))
	}
}

// do sends req once, and again on another connection when net/http would
// (retryable), counting the retry.
func (c *fastConn) do(req *fasthttp.Request, deadline time.Time) error {
	retried := false
	defer func() {
		if retried {
			c.s.tracker.retries.Add(1)
		}
	}()
	resent := false
	for skips := 0; ; {
		err := c.s.client.DoDeadline(req, &c.resp, deadline)
		if err == nil {
			return nil
		}
		switch c.retryable(req, err) {
		case retryStale:
			if skips++; skips > maxStaleSkips {
				return err
			}
		case retryResend:
			if resent {
				return err
			}
			resent = true
		default:
			return err
		}
		retried = true
	}
}

type retryKind int

const (
	retryNo     retryKind = iota
	retryStale            // nothing was written: any method
	retryResend           // idempotent, failed before the first response byte
)

// retryable applies net/http's rules (persistConn.shouldRetryRequest) to a
// failed try: only on a reused connection; any request that was not
// written at all; an idempotent one whose connection failed before the
// first response byte (it may have reached the application, as RFC 9110
// 9.2.2 allows for idempotent methods). Never after a timeout.
func (c *fastConn) retryable(req *fasthttp.Request, err error) retryKind {
	if errors.Is(err, errStaleConn) {
		return retryStale
	}
	tc := trackedOf(c.resp.LocalAddr())
	if tc == nil || tc.exchanges < 2 || isTimeout(err) {
		return retryNo // a fresh connection: the server hung up on this request
	}
	if tc.wrote == 0 {
		return retryStale
	}
	if !tc.writing && tc.read == 0 && idempotent(req) {
		return retryResend
	}
	return retryNo
}

// idempotent is net/http's Request.isReplayable for a request whose body
// can be sent again.
func idempotent(req *fasthttp.Request) bool {
	switch string(req.Header.Method()) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return len(req.Header.Peek("Idempotency-Key")) > 0 || len(req.Header.Peek("X-Idempotency-Key")) > 0
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// readBody reads the response body to its end and discards it.
func (c *fastConn) readBody() (int64, error) {
	st := c.resp.BodyStream()
	if st == nil {
		return int64(len(c.resp.Body())), nil
	}
	n, err := io.Copy(io.Discard, st)
	if cerr := c.resp.CloseBodyStream(); err == nil {
		err = cerr
	}
	if err != nil && c.resp.Header.ContentLength() == -1 && !isTimeout(err) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		// fasthttp's chunk parser reports the token it choked on
		// ("empty hex number"); net/http, and we, the framing.
		err = errMalformedChunked
	}
	return n, err
}

// closeBody reads up to limit bytes of a streamed body and closes it (the
// connection too, unless the body was read to its end).
func (c *fastConn) closeBody(limit int64) {
	if st := c.resp.BodyStream(); st != nil {
		if limit > 0 {
			_, _ = io.CopyN(io.Discard, st, limit)
		}
		_ = c.resp.CloseBodyStream()
	}
}

// sendOther follows a redirect to a scheme other than http (https) with
// net/http, which does TLS, HTTP/2 and proxies; fasthttp would run a TLS
// handshake without a read deadline. hops have been followed already.
func (c *fastConn) sendOther(tg *vegeta.Target, pfx string, req *fasthttp.Request, deadline time.Time, hops int, r *Result) {
	s := c.s
	s.otherOnce.Do(func() {
		s.other = newClient(s.opts, s.tracker, s.route)
		limit := s.opts.Redirects
		s.other.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			done, _ := req.Context().Value(hopsKey{}).(int)
			if done+len(via) > limit {
				return errTooManyRedirects(limit)
			}
			return nil
		}
	})
	ctx, cancel := context.WithDeadline(context.WithValue(context.Background(), hopsKey{}, hops), deadline)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, string(req.Header.Method()), req.URI().String(), bytes.NewReader(req.Body()))
	if err == nil {
		if len(req.Body()) == 0 {
			hreq.Body, hreq.GetBody, hreq.ContentLength = http.NoBody, nil, 0
		}
		for k, v := range req.Header.All() {
			switch string(k) {
			case "Host", "Content-Length", "Connection", "User-Agent":
				continue
			}
			hreq.Header.Add(string(k), string(v))
		}
		hreq.Header.Set("User-Agent", "Go-http-client/1.1")
	}
	var resp *http.Response
	if err == nil {
		resp, err = s.other.Do(hreq)
	}
	if err != nil {
		r.End = time.Now()
		r.Error = pfx + netErrorDetail(unwrapURLError(err), ctx, false)
		return
	}
	kept, err := drain(resp.Body, s.maxBody)
	resp.Body.Close()
	r.End = time.Now()
	if err != nil {
		r.Error = pfx + netErrorDetail(err, ctx, true)
		return
	}
	r.Code = uint16(resp.StatusCode)
	r.BytesIn = kept
	r.BytesOut = uint64(len(tg.Body))
	if r.Code < 200 || r.Code >= 400 {
		r.Error = resp.Status
	}
}

// hopsKey: the redirects a request followed before it reached net/http.
type hopsKey struct{}

// followRedirect points req at loc with net/http's rules: 301, 302 and 303
// turn anything but GET and HEAD into a GET without a body; credentials
// (Authorization, Cookie, ...) go only to the same domain or a subdomain;
// Referer names the previous URL unless that was https.
func followRedirect(req *fasthttp.Request, code int, loc []byte, prev string) {
	fromHost := hostOnly(req.URI().Host())
	req.URI().UpdateBytes(loc)
	req.UseHostHeader = false
	req.Header.SetHostBytes(req.URI().Host())
	if !isDomainOrSubdomain(hostOnly(req.URI().Host()), fromHost) {
		for _, h := range []string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization", "Proxy-Authenticate"} {
			req.Header.Del(h)
		}
	}
	if ref := refererFor(prev, req.URI()); ref != "" && len(req.Header.Referer()) == 0 {
		req.Header.SetReferer(ref)
	}
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

// refererFor is net/http's refererForURL: the previous URL without
// userinfo, none when leaving https for http.
func refererFor(prev string, next *fasthttp.URI) string {
	u, err := url.Parse(prev)
	if err != nil || (u.Scheme == "https" && string(next.Scheme()) == "http") {
		return ""
	}
	u.User = nil
	return u.String()
}

func hostOnly(hostport []byte) string {
	h := string(hostport)
	if host, _, err := net.SplitHostPort(h); err == nil {
		return strings.ToLower(host)
	}
	return strings.ToLower(h)
}

// isDomainOrSubdomain is net/http's rule for sending credentials on.
func isDomainOrSubdomain(sub, parent string) bool {
	if sub == parent {
		return true
	}
	if strings.ContainsAny(sub, ":%") { // IPv6 literals never match a parent
		return false
	}
	return strings.HasSuffix(sub, parent) && sub[len(sub)-len(parent)-1] == '.'
}

// statusText is the server's reason phrase, or the standard one.
func statusText(resp *fasthttp.Response) []byte {
	if m := resp.Header.StatusMessage(); len(m) > 0 {
		return m
	}
	return []byte(http.StatusText(resp.StatusCode()))
}
