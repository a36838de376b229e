package attack

import (
	"bufio"
	"context"
	"io"
	"net"
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

// TestPoolOutlivesAWatchdogAbort: the watchdog aborting one attack on a
// shared Pool (a request that outstayed its timeout, seen in a capacity
// search on a starved box) fails that attack's requests in flight, not
// the attacks after it: before, every later step of the search failed
// its dials within milliseconds ("attack aborted"). A user's Abort still
// closes the pool for good.
func TestPoolOutlivesAWatchdogAbort(t *testing.T) {
	t.Parallel()
	mute := rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer ok.Close()

	o := DefaultOptions()
	o.Client, o.Duration, o.Timeout = ClientFast, 100*time.Millisecond, 100*time.Millisecond
	o.Pool = NewPool()
	defer o.Pool.CloseIdle()
	stuck, err := New(targetsFor(t, mute), Constant{Freq: 20, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	stuck.sender.(*fastSender).timeout = time.Hour // a client that overstays
	if out := runWithin(t, stuck, 30*time.Second, func(*Result) {}); !out.Aborted {
		t.Fatal("the first attack was not aborted by its watchdog")
	}

	// next runs a short attack on the pool against ok and returns how many
	// of its requests failed, and the first failure. Its timeout is the
	// default's, not the stuck attack's 100 ms, which a -race run on a busy
	// box exceeded.
	on := o
	on.Timeout = DefaultOptions().Timeout
	next := func() (sent uint64, failed int, first string) {
		a, err := New(targetsFor(t, ok.URL), Constant{Freq: 50, Per: time.Second}, on)
		if err != nil {
			t.Fatal(err)
		}
		out := runWithin(t, a, 30*time.Second, func(r *Result) {
			if r.Error != "" {
				if failed == 0 {
					first = r.Error
				}
				failed++
			}
		})
		return out.Sent, failed, first
	}
	if sent, failed, first := next(); sent == 0 || failed > 0 {
		t.Fatalf("after a watchdog abort, the next attack on the pool: %d sent, %d failed (%s); want all to succeed", sent, failed, first)
	}

	user, err := New(targetsFor(t, ok.URL), Constant{Freq: 50, Per: time.Second}, on)
	if err != nil {
		t.Fatal(err)
	}
	user.Abort()
	runWithin(t, user, 30*time.Second, func(*Result) {})
	o.Pool.CloseIdle()
	if sent, failed, _ := next(); sent == 0 || failed != int(sent) {
		t.Errorf("after a user's Abort, the next attack on the pool: %d sent, %d failed; want every dial refused", sent, failed)
	}
}
