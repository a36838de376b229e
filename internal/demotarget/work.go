package demotarget

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Bounds of /work's parameters, so a typo cannot exhaust the host.
const (
	MaxWorkConcurrency = 10000
	MaxWorkTime        = 10 * time.Second
)

// Work returns the /work handler: a service of known capacity. A request
// /work?c=C&ms=S is served by one of C slots, each busy S milliseconds per
// request, so that requests with the same c share C slots and the service
// sustains exactly C*1000/S requests/s; beyond that they queue. Defaults
// are c=8, ms=10 (800 requests/s).
//
// A request that waited for a slot starts when the slot was due to be free
// (its previous request's planned finish), not when the previous sleep
// actually ended; a request that finds a slot idle starts on arrival. Timer
// slack on a loaded machine then delays single responses a little but does
// not lower the capacity below C/S.
func Work() http.Handler {
	var mu sync.Mutex
	pools := map[int]chan *slot{}
	get := func(c int) chan *slot {
		mu.Lock()
		defer mu.Unlock()
		p, ok := pools[c]
		if !ok {
			p = make(chan *slot, c)
			for range c {
				p <- &slot{}
			}
			pools[c] = p
		}
		return p
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := intParam(r, "c", 8, 1, MaxWorkConcurrency)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ms, err := intParam(r, "ms", 10, 0, int(MaxWorkTime/time.Millisecond))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		service := time.Duration(ms) * time.Millisecond
		arrived := time.Now()
		pool := get(c)
		var s *slot
		select {
		case s = <-pool:
		case <-r.Context().Done():
			return
		}
		start := arrived
		if s.free.After(arrived) {
			start = s.free
		}
		finish := start.Add(service)
		time.Sleep(time.Until(finish))
		s.free = finish
		pool <- s
		fmt.Fprintf(w, "worked %dms on one of %d slots\n", ms, c)
	})
}

// slot is one unit of /work's concurrency; free is when its last request
// was planned to finish.
type slot struct{ free time.Time }

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer in %d..%d", name, lo, hi)
	}
	return v, nil
}
