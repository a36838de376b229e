package attack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/hostile"
)

// rawServer serves serve on 127.0.0.1 until the test ends: how the tests
// play a hostile target (net/http's server would refuse to misbehave).
func rawServer(t testing.TB, serve hostile.Behaviour) string {
	t.Helper()
	srv, err := hostile.Start(serve)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// readRequest and forever: see package hostile.
var (
	readRequest = hostile.ReadRequest
	forever     = hostile.Forever
)

// trickle writes chunk every 2 ms until the client hangs up: an endless
// answer that never pauses long enough for a per-read deadline to fire, so
// only the request's whole timeout can end it, yet costs next to no CPU
// (a flood at loopback speed burned a core per case for the whole
// timeout, and side by side under -race starved the other cases' headers).
func trickle(c net.Conn, chunk []byte) {
	for {
		if _, err := c.Write(chunk); err != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// hostileCase is one misbehaving target and the outcome both clients must
// agree on.
type hostileCase struct {
	name  string
	serve func(c net.Conn, br *bufio.Reader)
	edit  func(*Options)
	// want: status code, a substring of the error ("" for none) and, when
	// bytes >= 0, the body bytes counted.
	code  uint16
	err   string
	bytes int64
	// idle: the case ends at its 1 s timeout (the server holds the
	// connection, sending next to nothing), so it costs that time in wall
	// time but no CPU. The others end by themselves and get 10 s.
	idle bool
}

func status200(extra string, body string) string {
	return "HTTP/1.1 200 OK\r\n" + extra + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

func hostileCases(t *testing.T) []hostileCase {
	// A TLS server, and a TCP server that accepts and never says a word
	// (a TLS handshake that never completes), for redirects to https.
	tlsOK := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "secure") }))
	t.Cleanup(tlsOK.Close)
	mute := strings.Replace(rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) }), "http:", "https:", 1)
	redirectTo := func(loc string) func(c net.Conn, br *bufio.Reader) {
		return func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: "+loc+"\r\nContent-Length: 0\r\n\r\n")
		}
	}
	bigHeader := func(n int) string {
		var b strings.Builder
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", i, strings.Repeat("v", 100))
		}
		return b.String()
	}
	mib, kib := make([]byte, 1<<20), make([]byte, 1<<10)
	return []hostileCase{
		{name: "ok", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, status200("", "hello"))
		}, edit: func(o *Options) { o.MaxBody = -1 }, code: 200, bytes: 5},
		{name: "endless body with a length", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n")
			trickle(c, kib)
		}, code: 0, err: "Client.Timeout or context cancellation while reading body", bytes: 0, idle: true},
		{name: "endless chunked body", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			trickle(c, append([]byte("400\r\n"), append(kib, "\r\n"...)...))
		}, code: 0, err: "Client.Timeout or context cancellation while reading body", bytes: 0, idle: true},
		{name: "64 MiB body", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n")
			for range 64 {
				c.Write(mib)
			}
		}, edit: func(o *Options) { o.MaxBody = 1000 }, code: 200, bytes: 1000},
		{name: "body cut short", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
		}, code: 0, err: "unexpected EOF", bytes: 0},
		{name: "body until close", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\nuntil close")
		}, edit: func(o *Options) { o.MaxBody = -1 }, code: 200, bytes: 11},
		{name: "32 KiB of headers", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, status200(bigHeader(32<<10), "ok"))
		}, code: 200, bytes: 0},
		{name: "headers over the limit", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, status200(bigHeader(MaxResponseHeaderBytes+1024), "ok"))
		}, code: 0, err: "response headers exceeded 65536 bytes"},
		{name: "endless header", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Endless: ")
			forever(c, []byte(strings.Repeat("a", 4096)))
		}, code: 0, err: "response headers exceeded 65536 bytes"},
		{name: "endless status line", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 ")
			forever(c, []byte(strings.Repeat("O", 4096)))
		}, code: 0, err: "response headers exceeded 65536 bytes"},
		{name: "a few 1xx then 200", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", 3)+status200("", "ok"))
		}, code: 200, bytes: 0},
		{name: "1xx flood", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			forever(c, []byte(strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 100)))
		}, code: 0, err: "too many 1xx informational responses"},
		{name: "bad chunk size", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
		}, code: 0, err: "malformed chunked encoding"},
		{name: "endless chunk size line", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=")
			trickle(c, []byte(strings.Repeat("e", 4096)))
		}, code: 0, err: "malformed chunked encoding", idle: true},
		{name: "not http", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n\r\n")
		}, code: 0, err: "malformed HTTP response"},
		{name: "closes without answering", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
		}, code: 0, err: "EOF"},
		{name: "slow drip headers", serve: func(c net.Conn, br *bufio.Reader) {
			readRequest(br)
			for _, b := range []byte("HTTP/1.1 200 OK\r\nX-Slow: 1\r\n") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}, code: 0, err: "Client.Timeout exceeded while awaiting headers", idle: true},
		{name: "redirect loop", serve: func(c net.Conn, br *bufio.Reader) {
			for readRequest(br) != "" {
				io.WriteString(c, "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
			}
		}, edit: func(o *Options) { o.Redirects = 3 }, code: 0, err: "stopped after 3 redirects"},
		{name: "redirect to https", serve: redirectTo(tlsOK.URL + "/s"),
			edit: func(o *Options) { o.Insecure, o.MaxBody = true, -1 }, code: 200, bytes: 6},
		{name: "redirect to https that never handshakes", serve: redirectTo(mute + "/s"),
			code: 0, err: "Client.Timeout exceeded while awaiting headers", idle: true},
	}
}

// TestHostileTargets runs one table of misbehaving loopback servers
// against both clients: each must end within the timeout with the same
// status, error and body bytes, whatever the server sends.
func TestHostileTargets(t *testing.T) {
	t.Parallel() // asserts no timing: every case ends at a bound or its timeout
	for _, tc := range hostileCases(t) {
		url := rawServer(t, tc.serve)
		for _, c := range []string{ClientNet, ClientFast} {
			t.Run(tc.name+"/"+c, func(t *testing.T) {
				if tc.idle {
					// Ends only at its 1 s timeout and the server sends
					// next to nothing meanwhile (endless answers trickle):
					// these wait side by side, after the others.
					t.Parallel()
				}
				r := hitOnce(t, c, url+"/x", func(o *Options) {
					o.Timeout = time.Second
					if !tc.idle {
						// These end by themselves, at a bound or when the
						// server is done; what is checked is the outcome,
						// not the time. On a loaded box under -race the net
						// client's answer overran 1 s, first for the 64 MiB
						// body and later even for "ok".
						o.Timeout = 10 * time.Second
					}
					if tc.edit != nil {
						tc.edit(o)
					}
				})
				t.Logf("code %d bytes %d error %q", r.Code, r.BytesIn, r.Error)
				if r.Code != tc.code || (tc.err == "") != (r.Error == "") || !strings.Contains(r.Error, tc.err) {
					t.Errorf("code %d error %q; want code %d error containing %q", r.Code, r.Error, tc.code, tc.err)
				}
				if tc.bytes >= 0 && r.BytesIn != uint64(tc.bytes) {
					t.Errorf("bytes in %d, want %d", r.BytesIn, tc.bytes)
				}
			})
		}
	}
}

// sendDirect sends hits one by one on one worker's connection, so a test
// decides what happens between them.
type sendDirect struct {
	a    *Attacker
	conn senderConn
	seq  uint64
}

func newSendDirect(t *testing.T, client, url, method string, edit func(*Options)) *sendDirect {
	t.Helper()
	o := DefaultOptions()
	o.Client, o.Timeout = client, 5*time.Second
	if edit != nil {
		edit(&o)
	}
	tg, err := TargetsFromURLs([]string{url}, method, nil, []byte("body"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(tg, Constant{Freq: 1, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	return &sendDirect{a: a, conn: a.sender.newConn()}
}

func (d *sendDirect) hit() Result {
	var r Result
	d.conn.send(0, d.seq, &r)
	d.seq++
	return r
}

func (d *sendDirect) retries() uint64 { return d.a.tracker.retries.Load() }

// TestStaleKeepAliveRetried: a server that closes every connection after
// one response, without saying so. A POST on the closed connection never
// reached it, so it goes again on a fresh one, and the retry is counted.
func TestStaleKeepAliveRetried(t *testing.T) {
	closed := make(chan struct{}, 100)
	url := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, status200("", "ok"))
		c.Close()
		closed <- struct{}{}
	})
	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client, func(t *testing.T) {
			d := newSendDirect(t, client, url, "POST", nil)
			for i := range 5 {
				if r := d.hit(); r.Code != 200 || r.Error != "" {
					t.Fatalf("hit %d: code %d error %q", i, r.Code, r.Error)
				}
				<-closed
				time.Sleep(5 * time.Millisecond) // let the FIN arrive
			}
			// net/http's read loop usually sees the close before the next
			// request and dials anew; fasthttp has none, so ours looks.
			if client == ClientFast && d.retries() != 4 {
				t.Errorf("%d retries, want 4", d.retries())
			}
		})
	}
}

// TestMayHaveReachedNotSilent: a server that reads the second request on
// a connection and closes without an answer. That request may have
// reached the application: an idempotent GET goes once more (net/http's
// rule, counted), a POST fails.
func TestMayHaveReachedNotSilent(t *testing.T) {
	url := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == "" {
			return
		}
		io.WriteString(c, status200("", "ok"))
		readRequest(br)
	})
	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client+"/GET", func(t *testing.T) {
			d := newSendDirect(t, client, url, "GET", nil)
			for i := range 3 {
				if r := d.hit(); r.Code != 200 || r.Error != "" {
					t.Fatalf("hit %d: code %d error %q", i, r.Code, r.Error)
				}
			}
			if d.retries() != 2 {
				t.Errorf("%d retries, want 2", d.retries())
			}
		})
		t.Run(client+"/POST", func(t *testing.T) {
			d := newSendDirect(t, client, url, "POST", nil)
			if r := d.hit(); r.Code != 200 {
				t.Fatalf("first hit: code %d error %q", r.Code, r.Error)
			}
			if r := d.hit(); r.Code != 0 || !strings.HasSuffix(r.Error, ": EOF") {
				t.Errorf("second hit: code %d error %q, want EOF", r.Code, r.Error)
			}
			if d.retries() != 0 {
				t.Errorf("%d retries, want 0", d.retries())
			}
		})
	}
}

// TestBodyMemoryBounded: a 64 MiB body costs a fixed buffer, not its size,
// with either client (fasthttp buffers whole bodies unless it streams).
func TestBodyMemoryBounded(t *testing.T) {
	// Four times the allowance is enough to catch a client that buffers
	// the body, and a quarter of the loopback copying of 256 MiB.
	const size = 64 << 20
	mib := make([]byte, 1<<20)
	url := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) != "" {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n")
			for range size >> 20 {
				if _, err := c.Write(mib); err != nil {
					return
				}
			}
		}
	})
	for _, client := range []string{ClientNet, ClientFast} {
		t.Run(client, func(t *testing.T) {
			d := newSendDirect(t, client, url, "GET", func(o *Options) { o.Timeout = time.Minute })
			d.hit() // warm: connection, buffers
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := d.hit()
			runtime.ReadMemStats(&after)
			if r.Code != 200 || r.Error != "" {
				t.Fatalf("code %d error %q", r.Code, r.Error)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("allocated %d MiB for a %d MiB body", alloc>>20, size>>20)
			}
		})
	}
}

// TestAttackEndsInTime: against a target that never answers, or redirects
// to a TLS server that never completes its handshake, the attack ends
// once every request has hit its timeout; a stop ends it as well.
func TestAttackEndsInTime(t *testing.T) {
	t.Parallel() // asserts outcomes only; each case waits out its timeouts
	mute := rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
	toMuteTLS := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) != "" {
			io.WriteString(c, "HTTP/1.1 307 Temporary Redirect\r\nLocation: "+strings.Replace(mute, "http:", "https:", 1)+"/\r\nContent-Length: 0\r\n\r\n")
		}
	})
	for _, url := range []string{mute, toMuteTLS} {
		for _, client := range []string{ClientNet, ClientFast} {
			t.Run(client, func(t *testing.T) {
				t.Parallel()
				o := DefaultOptions()
				o.Client, o.Duration, o.Timeout = client, 200*time.Millisecond, 300*time.Millisecond
				a, err := New(targetsFor(t, url), Constant{Freq: 50, Per: time.Second}, o)
				if err != nil {
					t.Fatal(err)
				}
				errs := 0
				out := runWithin(t, a, 30*time.Second, func(r *Result) {
					if r.Error != "" {
						errs++
					}
				})
				if errs == 0 || uint64(errs) != out.Sent || out.Aborted {
					t.Errorf("%d errors of %d sent, aborted %v: want every request to time out", errs, out.Sent, out.Aborted)
				}
			})
		}
	}
}

// TestWatchdogAborts: should a client ever keep a request past its
// timeout, the watchdog aborts the attack EndGrace later.
func TestWatchdogAborts(t *testing.T) {
	t.Parallel() // waits out EndGrace; asserts only that it aborted
	mute := rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
	o := DefaultOptions()
	o.Client, o.Duration, o.Timeout = ClientFast, 100*time.Millisecond, 100*time.Millisecond
	a, err := New(targetsFor(t, mute), Constant{Freq: 20, Per: time.Second}, o)
	if err != nil {
		t.Fatal(err)
	}
	a.sender.(*fastSender).timeout = time.Hour // a client that overstays
	out := runWithin(t, a, 30*time.Second, func(*Result) {})
	if !out.Aborted {
		t.Error("not aborted")
	}
}

// runWithin runs the attack and fails the test if it has not ended after
// limit (a hang, not a slow machine: limit is many times the bound).
func runWithin(t *testing.T, a *Attacker, limit time.Duration, record func(*Result)) Outcome {
	t.Helper()
	done := make(chan Outcome, 1)
	go func() { done <- a.Run(context.Background(), record) }()
	select {
	case out := <-done:
		return out
	case <-time.After(limit):
		a.Abort()
		t.Fatalf("attack still running after %s", limit)
		return Outcome{}
	}
}
