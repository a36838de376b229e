package attack

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// sendOne runs a one-hit attack of target with o and returns the result
// and the client that sent it.
func sendOne(t *testing.T, tgt vegeta.Target, o Options) (Result, string) {
	t.Helper()
	o.Timeout = 30 * time.Second // a TLS handshake under -race on a busy box is slow
	a, err := New([]vegeta.Target{tgt}, Constant{Freq: 1, Per: 10 * time.Millisecond}, o)
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	ctx, cancel := context.WithCancel(context.Background())
	a.Run(ctx, func(r *Result) { res = append(res, *r); cancel() })
	cancel()
	if len(res) == 0 {
		t.Fatal("no result")
	}
	return res[0], a.Client()
}

// The routing flags (vegeta's -unix-socket, -connect-to, -laddr,
// -resolvers) work on both clients: none of them needs net/http.
func TestRouteBothClients(t *testing.T) {
	var mu sync.Mutex
	var remote []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remote = append(remote, r.RemoteAddr)
		mu.Unlock()
	})
	tcp := httptest.NewServer(h)
	defer tcp.Close()
	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	us := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	us.Start()
	defer us.Close()
	tcpAddr := strings.TrimPrefix(tcp.URL, "http://")

	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client, func(t *testing.T) {
			o := DefaultOptions()
			o.Client = client
			// A closed loopback port in the URL: only the route reaches a server.
			closed := vegeta.Target{Method: "GET", URL: "http://127.0.0.1:1/x"}

			o.UnixSocket = sock
			if r, c := sendOne(t, closed, o); r.Code != 200 || c != client {
				t.Errorf("unix socket: code %d error %q client %s", r.Code, r.Error, c)
			}
			o.UnixSocket = ""

			o.ConnectTo = map[string][]string{"127.0.0.1:1": {tcpAddr}}
			if r, _ := sendOne(t, closed, o); r.Code != 200 {
				t.Errorf("connect-to: code %d error %q", r.Code, r.Error)
			}
			o.ConnectTo = nil

			o.LocalAddr = net.ParseIP("127.0.0.2") // Linux routes all of 127/8 to loopback
			mu.Lock()
			remote = nil
			mu.Unlock()
			if r, _ := sendOne(t, vegeta.Target{Method: "GET", URL: tcp.URL}, o); r.Code != 200 {
				t.Skipf("source address 127.0.0.2 not usable here: %s", r.Error)
			}
			mu.Lock()
			// A busy box may let a few more slots out before the stop.
			for _, r := range remote {
				if !strings.HasPrefix(r, "127.0.0.2:") {
					t.Errorf("laddr: the server saw %q, want 127.0.0.2", remote)
					break
				}
			}
			if len(remote) == 0 {
				t.Error("laddr: the server saw no request")
			}
			mu.Unlock()
			o.LocalAddr = nil

			// Names are resolved by the given servers only: one on a
			// closed loopback port fails the lookup instead of the
			// system's resolver answering.
			o.Resolvers = []string{"127.0.0.1:1"}
			r, _ := sendOne(t, vegeta.Target{Method: "GET", URL: "http://loadgen-resolver-test.invalid:1/"}, o)
			if r.Code != 0 || !strings.Contains(r.Error, "127.0.0.1:1") {
				t.Errorf("resolvers: code %d error %q, want a lookup failure at 127.0.0.1:1", r.Code, r.Error)
			}
		})
	}
}

func TestParseConnectTo(t *testing.T) {
	for in, want := range map[string][2]string{
		"example.com:80:127.0.0.1:8080": {"example.com:80", "127.0.0.1:8080"},
		"[::1]:443:[::1]:8443":          {"[::1]:443", "[::1]:8443"},
	} {
		from, to, err := ParseConnectTo(in)
		if err != nil || from != want[0] || to != want[1] {
			t.Errorf("%s: %q %q %v", in, from, to, err)
		}
	}
	for _, bad := range []string{"example.com:80", "a:b:c:d", "a:80:b"} {
		if _, _, err := ParseConnectTo(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// -chunked sends the body chunked (net/http, which auto picks for it).
func TestChunkedBody(t *testing.T) {
	var (
		mu   sync.Mutex
		te   []string
		body string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		te, body = r.TransferEncoding, string(b)
	}))
	defer srv.Close()
	o := DefaultOptions()
	o.Chunked = true
	r, client := sendOne(t, vegeta.Target{Method: "POST", URL: srv.URL, Body: []byte("hello")}, o)
	mu.Lock()
	defer mu.Unlock()
	if r.Code != 200 || client != ClientNet || len(te) != 1 || te[0] != "chunked" || body != "hello" {
		t.Errorf("code %d client %s transfer-encoding %q body %q", r.Code, client, te, body)
	}
}

// TLS client certificates and root CAs (vegeta's -cert, -key, -root-certs).
func TestTLSConfig(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "loadgen test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		gotCN string
	)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if len(r.TLS.PeerCertificates) > 0 {
			gotCN = r.TLS.PeerCertificates[0].Subject.CommonName
		}
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the first, refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()

	o := DefaultOptions()
	tgt := vegeta.Target{Method: "GET", URL: srv.URL}
	if r, _ := sendOne(t, tgt, o); r.Code != 0 || r.Error == "" {
		t.Fatalf("an unknown server certificate was accepted: code %d", r.Code)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	o.TLS = &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	r, _ := sendOne(t, tgt, o)
	mu.Lock()
	defer mu.Unlock()
	if r.Code != 200 || gotCN != "loadgen test client" {
		t.Errorf("with root CA and client certificate: code %d error %q, server saw client %q", r.Code, r.Error, gotCN)
	}
}
