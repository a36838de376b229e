package attack

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestPoolKeepsConnectionsWarm: a second attack on the same Pool opens no
// new connection, and each attack counts only its own bytes.
func TestPoolKeepsConnectionsWarm(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	tgts, err := TargetsFromURLs([]string{srv.URL}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = 300 * time.Millisecond
	// One worker: one request at a time, so one connection is always
	// enough, however loaded the machine; a second means it was not reused.
	o.Workers, o.MaxWorkers = 1, 1
	o.Pool = NewPool()
	defer o.Pool.CloseIdle()
	var (
		wire  [2]uint64
		first int64
	)
	for i := range wire {
		a, err := New(tgts, Constant{Freq: 50, Per: time.Second}, o)
		if err != nil {
			t.Fatal(err)
		}
		errs := 0
		out := a.Run(context.Background(), func(r *Result) {
			if r.Error != "" {
				errs++
			}
		})
		if out.Sent == 0 || errs > 0 {
			t.Fatalf("attack %d: sent %d, %d errors", i, out.Sent, errs)
		}
		wire[i] = out.WireIn
		if i == 0 {
			if first = conns.Load(); first == 0 {
				t.Fatal("no connection opened")
			}
		}
	}
	opened := conns.Load()
	if wire[1] == 0 || wire[1] > 2*wire[0] {
		t.Errorf("wire bytes in: first %d, second %d: the second should count only its own", wire[0], wire[1])
	}
	if opened != first {
		t.Errorf("the second attack opened %d new connections; want it to reuse the first's %d", opened-first, first)
	}
}
