package demotarget

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracing is the demo target's OpenTelemetry setup: W3C trace context is
// always taken from requests (so a response's work joins the caller's
// trace), and with a spans file every server span the caller sampled is
// written there as one JSON line (the SDK's stdout exporter), so the loop
// from a slow request to its trace can be shown without a backend.
type tracing struct {
	provider trace.TracerProvider
	sdk      *sdktrace.TracerProvider // nil without a spans file
	file     *os.File
}

func newTracing(spansPath string) (*tracing, error) {
	if spansPath == "" {
		// A no-op provider still carries the caller's span context.
		return &tracing{provider: noop.NewTracerProvider()}, nil
	}
	f, err := os.OpenFile(spansPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("demo target: spans file: %w", err)
	}
	exp, err := stdouttrace.New(stdouttrace.WithWriter(f)) // one JSON object per line (no pretty print)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("demo target: span exporter: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		// Keep what the caller sampled (the traceparent's flag), and
		// requests that came without trace context.
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)),
	)
	return &tracing{provider: tp, sdk: tp, file: f}, nil
}

// wrap makes h take trace context from requests and record server spans
// named "METHOD /path".
func (t *tracing) wrap(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "demo",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
}

// flush writes every span ended so far to the spans file.
func (t *tracing) flush(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	return t.sdk.ForceFlush(ctx)
}

// shutdown flushes and closes the spans file.
func (t *tracing) shutdown(ctx context.Context) error {
	if t.sdk == nil {
		return nil
	}
	err := t.sdk.Shutdown(ctx)
	return errors.Join(err, t.file.Close())
}

// Span is a server span the demo target recorded, as read back from its
// spans file.
type Span struct {
	Name         string
	TraceID      string // 32 lowercase hex digits
	SpanID       string
	ParentSpanID string // the caller's span (the traceparent's parent id)
	Sampled      bool
	Start, End   time.Time
	Stalled      bool // /stall held this request on purpose
}

// Duration is how long the server spent on the request.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// ReadSpans reads a spans file the demo target wrote (missing: none).
func ReadSpans(path string) ([]Span, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Span
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		var s struct {
			Name        string
			SpanContext struct {
				TraceID, SpanID, TraceFlags string
			}
			Parent struct {
				SpanID string
			}
			StartTime, EndTime time.Time
			Attributes         []struct {
				Key   string
				Value struct {
					Type  string
					Value any
				}
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		sp := Span{Name: s.Name, TraceID: s.SpanContext.TraceID, SpanID: s.SpanContext.SpanID,
			ParentSpanID: s.Parent.SpanID, Sampled: s.SpanContext.TraceFlags == "01",
			Start: s.StartTime, End: s.EndTime}
		for _, a := range s.Attributes {
			if a.Key == stalledAttr && a.Value.Value == true {
				sp.Stalled = true
			}
		}
		out = append(out, sp)
	}
	return out, sc.Err()
}
