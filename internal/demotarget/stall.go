package demotarget

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// stalledAttr marks the server span of a request /stall held on purpose.
const stalledAttr = "demo.stalled"

// Stall returns the /stall handler: /stall?every=N&ms=M answers at once,
// except every Nth request to it (the Nth, 2Nth, ... since the target
// started), which it holds M milliseconds first: a few chosen slow
// requests among fast ones, the tail a trace should explain. Defaults are
// every=100, ms=250. A held request's server span says so
// (demo.stalled=true).
func Stall() http.Handler {
	var n atomic.Uint64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		every, err := intParam(r, "every", 100, 1, 1_000_000)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ms, err := intParam(r, "ms", 250, 0, int(MaxWorkTime/time.Millisecond))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n.Add(1)%uint64(every) != 0 {
			fmt.Fprintln(w, "ok")
			return
		}
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.Bool(stalledAttr, true))
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, "stalled %dms\n", ms)
	})
}
