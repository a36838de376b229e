package attack

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
)

// The two clients word the same failure differently, and an error's text
// is its group in the summary. These are the words both give, net/http's
// where it has some, so that switching -client changes no error group.
var (
	msgHeadersTooLarge  = "net/http: server response headers exceeded " + strconv.Itoa(MaxResponseHeaderBytes) + " bytes; aborted"
	msgTimeoutHeaders   = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
	msgTimeoutBody      = "context deadline exceeded (Client.Timeout or context cancellation while reading body)"
	msgMalformedHeaders = "malformed HTTP response"
	msgMalformedChunked = "malformed chunked encoding"
)

// max1xxResponses is how many 1xx responses may precede the final one:
// fasthttp's fixed limit, applied to net/http too (netConn).
const max1xxResponses = 100

var (
	errTooMany1xx       = errors.New("too many 1xx informational responses")
	errMalformedChunked = errors.New(msgMalformedChunked)
)

// urlOp is net/http's url.Error Op for a method: "Get", "Post", ...
func urlOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// redactedURL is the URL as net/http's Client shows it in errors: a
// password becomes "***".
func redactedURL(u *url.URL) string {
	if _, has := u.User.Password(); has {
		c := *u
		c.User = url.UserPassword(u.User.Username(), "***")
		return c.String()
	}
	return u.String()
}

// unwrapURLError is the cause inside net/http's *url.Error.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// netErrorDetail words a net/http failure (without its `Get "url": `
// prefix). ctx is the request's context when its deadline is ours rather
// than http.Client.Timeout's; body says the headers had arrived.
func netErrorDetail(err error, ctx context.Context, body bool) string {
	msg := err.Error()
	timedOut := ctx != nil && ctx.Err() != nil
	switch {
	case strings.Contains(msg, "Client.Timeout"):
		if body {
			return msgTimeoutBody
		}
		return msgTimeoutHeaders
	case timedOut || errors.Is(err, context.DeadlineExceeded):
		if body {
			return msgTimeoutBody
		}
		return msgTimeoutHeaders
	case strings.Contains(msg, "server response headers exceeded"):
		return msgHeadersTooLarge
	case strings.Contains(msg, "malformed HTTP"):
		// net/http quotes what the server sent; the group is the fault.
		return msgMalformedHeaders
	case errors.Is(err, errTooMany1xx):
		return errTooMany1xx.Error()
	case chunkError(msg):
		return msgMalformedChunked
	}
	return msg
}

// chunkError recognises net/http's chunked-reader errors (unexported in
// net/http/internal).
func chunkError(msg string) bool {
	return strings.Contains(msg, "chunk") || strings.Contains(msg, "header line too long")
}

// fastError words a fasthttp failure as net/http would (without the
// prefix); body says the headers had arrived.
func fastError(err error, body bool) string {
	var small *fasthttp.ErrSmallBuffer
	var chunk fasthttp.ErrBrokenChunk
	switch {
	case isTimeout(err):
		if body {
			return msgTimeoutBody
		}
		return msgTimeoutHeaders
	case errors.As(err, &small):
		return msgHeadersTooLarge
	case errors.As(err, &chunk), errors.Is(err, errMalformedChunked):
		return msgMalformedChunked
	case errors.Is(err, io.EOF), errors.Is(err, fasthttp.ErrConnectionClosed):
		if body {
			return io.ErrUnexpectedEOF.Error()
		}
		return io.EOF.Error()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return io.ErrUnexpectedEOF.Error()
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "too many 1xx"):
		return errTooMany1xx.Error()
	case strings.Contains(msg, "chunk"):
		return msgMalformedChunked
	case strings.HasPrefix(msg, "error when reading response headers"):
		// fasthttp quotes what the server sent; the group is the fault.
		return msgMalformedHeaders
	}
	return msg
}
