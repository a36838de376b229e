package attack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestPoolKeepsConnectionsWarm: a second attack on the same Pool starts on
// the connections the first one opened, and each attack counts only its
// own bytes. How many connections an attack needs depends on how fast the
// target answers (a busy machine makes requests overlap), so the test
// follows the connections themselves: the second attack's first request
// goes out on one the first attack used, which no load can change, since
// every connection of the first attack is idle in the pool by then.
func TestPoolKeepsConnectionsWarm(t *testing.T) {
	t.Parallel() // follows connections, not time
	var (
		mu     sync.Mutex
		attack int                  // which attack the server is seeing
		seen   = map[string][]int{} // client address -> attacks it served
		first  [2]string            // first client address of each attack
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.RemoteAddr] = append(seen[r.RemoteAddr], attack)
		if first[attack] == "" {
			first[attack] = r.RemoteAddr
		}
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	defer srv.Close()

	tgts, err := TargetsFromURLs([]string{srv.URL}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = 200 * time.Millisecond
	// One worker: one request at a time, so one connection is always
	// enough, however loaded the machine.
	o.Workers, o.MaxWorkers = 1, 1
	o.Pool = NewPool()
	defer o.Pool.CloseIdle()
	var outs [2]Outcome
	for i := range outs {
		mu.Lock()
		attack = i
		mu.Unlock()
		a, err := New(tgts, Constant{Freq: 50, Per: time.Second}, o)
		if err != nil {
			t.Fatal(err)
		}
		errs := 0
		outs[i] = a.Run(context.Background(), func(r *Result) {
			if r.Error != "" {
				errs++
			}
		})
		if outs[i].Sent == 0 || errs > 0 {
			t.Fatalf("attack %d: sent %d, %d errors", i, outs[i].Sent, errs)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if served := seen[first[1]]; len(served) == 0 || served[0] != 0 {
		t.Errorf("the second attack started on a new connection (%s served attacks %v); want one the first opened", first[1], served)
	}
	// Every response is the same size, so each attack's bytes are its
	// responses times that size: nothing of the other attack's.
	per := outs[0].WireIn / outs[0].Sent
	for i, out := range outs {
		if out.WireIn != out.Sent*per {
			t.Errorf("attack %d: %d bytes in for %d responses of %d bytes (first attack: %d for %d)", i, out.WireIn, out.Sent, per, outs[0].WireIn, outs[0].Sent)
		}
	}
}
