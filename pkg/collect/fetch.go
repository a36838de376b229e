package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// fetcher is the collector's own HTTP client: its own transport and
// connections (never the attack's), the configured headers, a cap on
// response size.
type fetcher struct {
	timeout  time.Duration
	client   *http.Client
	header   http.Header
	maxBytes int64
	// long is for CPU profile windows, on a connection of their own each
	// time. net/http silently re-sends a GET that got EOF on a reused
	// connection; a window cut by the target's write timeout would then be
	// asked for again, each attempt costing a whole window, until the
	// deadline, and the cut that the collector adapts to would never show.
	// One connection per window (seconds long) costs nothing.
	long *http.Client
}

func newFetcher(cfg Config) *fetcher {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   4, // one per source, a spare for profile snapshots
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ExpectContinueTimeout: time.Second,
		// Asking for gzip makes the target compress every scrape: CPU and
		// allocations in the very process being measured. Loopback or LAN
		// bandwidth is cheaper than that disturbance.
		DisableCompression: true,
	}
	longTr := tr.Clone()
	longTr.DisableKeepAlives = true
	return &fetcher{
		timeout: cfg.Timeout,
		// No client timeout: each request's context carries its own
		// deadline (a CPU profile window is much longer than a scrape).
		client:   &http.Client{Transport: tr},
		long:     &http.Client{Transport: longTr},
		header:   cfg.Header,
		maxBytes: cfg.MaxBytes,
	}
}

// errTooLarge marks a response over the size cap.
var errTooLarge = errors.New("response too large")

// get fetches url and returns its body (at most maxBytes, decompressed) and
// headers. A non-2xx status is an error quoting the start of the body.
func (f *fetcher) get(ctx context.Context, url, accept string) ([]byte, http.Header, error) {
	return f.do(ctx, f.client, url, accept)
}

// getLong is get for a request that lasts (a CPU profile window): on a
// fresh connection, never re-sent (see fetcher.long).
func (f *fetcher) getLong(ctx context.Context, url string) ([]byte, http.Header, error) {
	return f.do(ctx, f.long, url, "")
}

func (f *fetcher) do(ctx context.Context, client *http.Client, url, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range f.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, f.explain(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the response: %w", f.explain(ctx, err))
	}
	if int64(len(body)) > f.maxBytes {
		return nil, nil, fmt.Errorf("%w: more than %d bytes (the collector's cap)", errTooLarge, f.maxBytes)
	}
	if resp.StatusCode/100 != 2 {
		return body, resp.Header, &statusError{code: resp.StatusCode, body: snippet(body)}
	}
	return body, resp.Header, nil
}

// explain turns a request's own deadline into words (the error still
// matches context.DeadlineExceeded).
func (f *fetcher) explain(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s (the collector timeout): %w", f.timeout, context.DeadlineExceeded)
	}
	return shortErr(err)
}

// statusError is a non-2xx answer.
type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string {
	if e.body == "" {
		return fmt.Sprintf("HTTP %d", e.code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.code, e.body)
}

// snippet is the start of a body, printable, for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b[:min(len(b), 120)]))
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
	if len(b) > 120 {
		s += "..."
	}
	return s
}

// shortErr drops net/http's "Get \"url\":" prefix: the source name already
// says which URL.
func shortErr(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Get ") {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}
