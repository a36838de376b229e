package attack

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
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
	name    string
	maxBody int64
	chunked bool
}

func (s *netSender) newConn() senderConn { return s }

func (s *netSender) send(t int, seq uint64, r *Result) {
	tgt := &s.targets[t]
	req, err := tgt.Request()
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
	r.Sent = time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		r.End = time.Now()
		r.Error = err.Error()
		return
	}
	kept, err := drain(resp.Body, s.maxBody)
	resp.Body.Close()
	r.End = time.Now()
	r.BytesIn = kept
	if req.ContentLength > 0 {
		r.BytesOut = uint64(req.ContentLength)
	}
	r.Code = uint16(resp.StatusCode)
	switch {
	case err != nil:
		r.Error = err.Error()
	case r.Code < 200 || r.Code >= 400:
		r.Error = resp.Status
	}
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
