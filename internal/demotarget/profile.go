package demotarget

import (
	"bytes"
	"net/http"
	"net/http/pprof"
	"time"
)

// profileRetry is how often profile asks again for the CPU profiler.
const profileRetry = 20 * time.Millisecond

// profile is net/http/pprof's CPU profile handler, except that it waits
// for the CPU profiler when it is in use instead of answering 500. Go has
// one CPU profiler per process, and the tests run several demo targets in
// one process, whose collectors' windows would otherwise fail whenever
// they overlap (on a busy machine, often). A window that waited starts
// late; the wait ends with the request.
func profile(w http.ResponseWriter, r *http.Request) {
	for {
		rec := &recorder{header: http.Header{}}
		pprof.Profile(rec, r)
		if rec.code != http.StatusInternalServerError || !bytes.Contains(rec.body.Bytes(), []byte("already in use")) {
			rec.copyTo(w)
			return
		}
		t := time.NewTimer(profileRetry)
		select {
		case <-r.Context().Done():
			t.Stop()
			rec.copyTo(w)
			return
		case <-t.C:
		}
	}
}

// recorder holds a response until it is known to be final. (httptest's
// ResponseRecorder does this too, but it is for tests.)
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(max(r.code, http.StatusOK))
	w.Write(r.body.Bytes())
}
