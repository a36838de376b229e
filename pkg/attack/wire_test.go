package attack

import (
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"reflect"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// seenRequest is what a target receives, as its server parses it.
type seenRequest struct {
	Method, URI, Host, Proto string
	Header                   http.Header
	ContentLength            int64
	TransferEncoding         []string
	Body                     string
}

// TestClientsSendTheSameRequest: the bytes a target receives do not depend
// on the client. A loopback server records each request as parsed, for the
// same targets sent by net/http and by fasthttp; fasthttp must add nothing
// (it defaults a Content-Type for a body, which net/http and vegeta do not).
func TestClientsSendTheSameRequest(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]map[string]seenRequest{} // client -> seq -> request
		raw  = map[string]map[string]string{}
	)
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		dump, _ := httputil.DumpRequest(r, false)
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		c, seq := r.Header.Get("X-Client"), r.Header.Get("X-Vegeta-Seq")
		if seen[c] == nil {
			seen[c], raw[c] = map[string]seenRequest{}, map[string]string{}
		}
		seen[c][seq] = seenRequest{r.Method, r.RequestURI, r.Host, r.Proto, r.Header.Clone(), r.ContentLength, r.TransferEncoding, string(b)}
		raw[c][seq] = string(dump)
	})
	body := []byte(`{"item": 1}`)
	targets := func(client string) []vegeta.Target {
		h := http.Header{"X-Client": {client}, "X-Custom": {"a", "b"}}
		return []vegeta.Target{
			{Method: "POST", URL: url + "/items?x=1", Body: body, Header: h.Clone()},
			{Method: "GET", URL: url + "/hello", Header: h.Clone()},
			{Method: "PUT", URL: url + "/typed", Body: body, Header: http.Header{"X-Client": {client}, "Content-Type": {"application/json"}}},
		}
	}
	for _, client := range []string{ClientNet, ClientFast} {
		o := DefaultOptions()
		o.Client = client
		o.Name = "wire"
		o.Timeout = 5 * time.Second
		a, err := New(targets(client), Constant{Freq: 3, Per: 30 * time.Millisecond}, o)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		ctx, cancel := context.WithCancel(context.Background())
		a.Run(ctx, func(r *Result) {
			if n++; n == 3 {
				cancel()
			}
		})
		cancel()
	}
	mu.Lock()
	defer mu.Unlock()
	net, fast := seen[ClientNet], seen[ClientFast]
	if len(net) < 3 || len(fast) < 3 {
		t.Fatalf("got %d net and %d fast requests, want at least 3 each", len(net), len(fast))
	}
	for _, i := range []string{"0", "1", "2"} {
		n, f := net[i], fast[i]
		n.Header.Del("X-Client")
		f.Header.Del("X-Client")
		if !reflect.DeepEqual(n, f) {
			t.Errorf("request %s differs by client:\nnet:  %+v\nfast: %+v\nraw net:\n%s\nraw fast:\n%s", i, n, f, raw[ClientNet][i], raw[ClientFast][i])
		}
	}
	if ct := fast["0"].Header.Get("Content-Type"); ct != "" {
		t.Errorf("fast client added Content-Type %q to a body sent without one", ct)
	}
}
