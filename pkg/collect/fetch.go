package collect

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
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

// overCapError is a body over the byte cap.
type overCapError struct{ max int64 }

func (e *overCapError) Error() string {
	return fmt.Sprintf("%v: more than %s", errTooLarge, iec(e.max))
}
func (e *overCapError) Is(target error) bool { return target == errTooLarge }

// body is an open response: its reader stops at the size cap (counted
// after any decompression) and lets the attack's goroutines run between
// chunks; Close ends the request.
type body struct {
	io.Reader
	hdr    http.Header
	closer io.Closer
	capped *cappedReader
}

func (b *body) Close() error { return b.closer.Close() }

// read is how many bytes were read so far (decompressed).
func (b *body) read() int64 { return b.capped.n }

// open starts a GET of url. A non-2xx status is an error quoting the start
// of the body.
func (f *fetcher) open(ctx context.Context, url, accept string) (*body, error) {
	return f.openWith(ctx, f.client, url, accept)
}

func (f *fetcher) openWith(ctx context.Context, client *http.Client, url, accept string) (*body, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
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
		return nil, f.explain(ctx, err)
	}
	var r io.Reader = resp.Body
	// We ask for no compression; a server that compresses anyway is
	// decompressed here, so the cap counts what the parsers will see.
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("gzip response: %w", err)
		}
		r = zr
	}
	b := &body{hdr: resp.Header, closer: resp.Body, capped: &cappedReader{r: r, max: f.maxBytes}}
	b.Reader = b.capped
	if resp.StatusCode/100 != 2 {
		defer b.Close()
		head, _ := io.ReadAll(io.LimitReader(b, 512))
		return nil, &statusError{code: resp.StatusCode, body: snippet(head)}
	}
	return b, nil
}

// get fetches url whole (at most the cap) for parsers that need all of
// it at once.
func (f *fetcher) get(ctx context.Context, url, accept string) ([]byte, http.Header, error) {
	return f.getWith(ctx, f.client, url, accept)
}

// getLong is get for a request that lasts (a CPU profile window): on a
// fresh connection, never re-sent (see fetcher.long).
func (f *fetcher) getLong(ctx context.Context, url string) ([]byte, http.Header, error) {
	return f.getWith(ctx, f.long, url, "")
}

func (f *fetcher) getWith(ctx context.Context, client *http.Client, url, accept string) ([]byte, http.Header, error) {
	b, err := f.openWith(ctx, client, url, accept)
	if err != nil {
		return nil, nil, err
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		return nil, nil, f.readErr(ctx, err)
	}
	return data, b.hdr, nil
}

// readErr words an error met while reading a body.
func (f *fetcher) readErr(ctx context.Context, err error) error {
	if errors.Is(err, errTooLarge) {
		return err
	}
	return fmt.Errorf("reading the response: %w", f.explain(ctx, err))
}

// cappedReader fails with errTooLarge past max bytes, and yields the
// processor every chunk: decoding a large response then never holds a P
// for long while the attack's workers wait for one.
type cappedReader struct {
	r       io.Reader
	max, n  int64
	sinceGo int64
}

// yieldEvery is how many bytes a collector reads between yields (tens of
// microseconds of parsing).
const yieldEvery = 64 << 10

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n >= c.max {
		// One byte more tells a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, &overCapError{max: c.max}
		}
		return 0, err
	}
	if int64(len(p)) > c.max-c.n {
		p = p[:c.max-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.sinceGo += int64(n); c.sinceGo >= yieldEvery {
		c.sinceGo = 0
		runtime.Gosched()
	}
	return n, err
}

// iec is a byte count for people: 64 MiB, 1.5 MiB, 512 KiB, 100 B.
func iec(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			if n%u.size == 0 {
				return fmt.Sprintf("%d %s", n/u.size, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d B", n)
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
