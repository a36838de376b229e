//go:build linux && !race

package attack

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// rawIO reads and writes like net.Conn: the bytes, io.EOF when the peer
// closes, a timeout error worded as net's ("read tcp a->b: i/o timeout")
// at a deadline, and net's wording for a reset.
func TestRawIOBehavesLikeNetConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			peer <- c
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := newRawIO(c)
	if r == nil {
		t.Fatal("no raw I/O for a TCP connection")
	}
	p := <-peer

	big := []byte(strings.Repeat("x", 4<<20)) // more than the socket buffers: EAGAIN, then the rest
	done := make(chan error, 1)
	go func() {
		n, err := io.Copy(io.Discard, io.LimitReader(p, int64(len(big))))
		if err == nil && n != int64(len(big)) {
			err = io.ErrShortWrite
		}
		done <- err
	}()
	if n, err := r.write(big); n != len(big) || err != nil {
		t.Fatalf("write %d of %d: %v", n, len(big), err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	p.Write([]byte("hello"))
	buf := make([]byte, 16)
	if n, err := r.read(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}

	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = r.read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) || !strings.HasPrefix(err.Error(), "read tcp ") {
		t.Fatalf("at the deadline: %v; want net's timeout error", err)
	}
	c.SetReadDeadline(time.Time{})

	p.Close()
	if _, err := r.read(buf); err != io.EOF {
		t.Fatalf("after the peer closed: %v, want io.EOF", err)
	}
}
