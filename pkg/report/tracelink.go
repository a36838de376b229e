package report

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// TraceIDPlaceholder marks where a trace link template takes the trace id.
const TraceIDPlaceholder = "{trace_id}"

// ErrBadTraceLink is returned for a trace link template that a report
// could not safely turn into links.
var ErrBadTraceLink = errors.New("bad trace link")

// CheckTraceLink accepts an http(s) URL template with TraceIDPlaceholder
// where the id goes, like https://tempo.example/trace/{trace_id}. Other
// schemes (javascript:, data:) are refused: the link ends up in a page.
func CheckTraceLink(tmpl string) error {
	if !strings.Contains(tmpl, TraceIDPlaceholder) {
		return fmt.Errorf("%w %q: it needs %s where the trace id goes", ErrBadTraceLink, tmpl, TraceIDPlaceholder)
	}
	u, err := url.Parse(strings.ReplaceAll(tmpl, TraceIDPlaceholder, "0"))
	if err != nil {
		return fmt.Errorf("%w %q: %v", ErrBadTraceLink, tmpl, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w %q: want an http:// or https:// URL", ErrBadTraceLink, tmpl)
	}
	return nil
}

// TraceURL is the link template with traceID in place ("" when the
// template is empty or bad, or there is no trace id).
func TraceURL(tmpl, traceID string) string {
	if traceID == "" || CheckTraceLink(tmpl) != nil {
		return ""
	}
	return strings.ReplaceAll(tmpl, TraceIDPlaceholder, url.PathEscape(traceID))
}
