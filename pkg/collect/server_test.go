package collect

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/procfs"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// testServer is a real HTTP server on 127.0.0.1 (httptest's is fine too;
// this one lets tests set the server's timeouts).
type testServer struct {
	URL string
	srv *http.Server
}

func newTestServer(h http.Handler) *testServer {
	return newTestServerTimeout(h, 0)
}

func newTestServerTimeout(h http.Handler, writeTimeout time.Duration) *testServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := &testServer{URL: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: h, WriteTimeout: writeTimeout, ReadHeaderTimeout: 5 * time.Second}}
	go s.srv.Serve(ln)
	return s
}

func (s *testServer) Close() { s.srv.Close() }

func readRows(dir string) ([]runrecord.TargetSample, error) { return runrecord.ReadTargetSamples(dir) }

func mustFS(t *testing.T) procfs.FS {
	t.Helper()
	fs, err := procfs.NewFS(procfs.DefaultMountPoint)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
