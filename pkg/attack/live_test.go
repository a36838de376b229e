package attack

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// Live reports an attack in progress: hits sent, in flight while the
// target holds them, workers and connections, and slots due.
func TestLiveWhileRunning(t *testing.T) {
	release := make(chan struct{})
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	o := DefaultOptions()
	o.Duration, o.Timeout = 300*time.Millisecond, 10*time.Second
	a, err := New(targetsFor(t, url), Constant{Freq: 100, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	if l := a.Live(); l.Started || l.Sent != 0 {
		t.Fatalf("before Run: %+v", l)
	}
	got := make(chan Live, 1)
	go func() {
		defer close(release)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if l := a.Live(); l.InFlight >= 3 {
				got <- l
				return
			}
		}
		got <- a.Live()
	}()
	out := a.Run(context.Background(), func(*Result) {})
	l := <-got
	if !l.Started || l.InFlight < 3 || l.Sent < l.InFlight || l.Workers < l.InFlight || l.Conns < 1 || l.Due < l.Sent {
		t.Errorf("while the target held requests: %+v", l)
	}
	end := a.Live()
	if end.InFlight != 0 || end.Sent != out.Sent || end.Due < out.Sent {
		t.Errorf("after Run: %+v, outcome sent %d due %d", end, out.Sent, out.Due)
	}
}
