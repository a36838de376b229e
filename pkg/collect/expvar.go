package collect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// expvarSource reads Go's /debug/vars memstats: heap in use, the GC count
// and PauseNs ring (individual pauses, exact), and GCCPUFraction.
type expvarSource struct {
	url string
	f   *fetcher
}

func newExpvarSource(url string, f *fetcher) *expvarSource { return &expvarSource{url: url, f: f} }

func (s *expvarSource) Name() string { return "expvar " + s.url }

func (s *expvarSource) Sample(ctx context.Context, r *Reading) error {
	b, err := s.f.open(ctx, s.url, "application/json")
	if err != nil {
		return err
	}
	defer b.Close() // memstats found: the rest is never read
	rd, err := readExpvar(b)
	if err != nil {
		if over := (*overCapError)(nil); errors.As(err, &over) {
			return &cutError{err: over, what: iec(b.read()) + " read"}
		}
		return s.f.readErr(ctx, err)
	}
	*r = rd
	return nil
}

// memStats is the part of runtime.MemStats that loadgen reads.
type memStats struct {
	HeapInuse     *uint64  `json:"HeapInuse"`
	NumGC         *uint32  `json:"NumGC"`
	PauseTotalNs  *uint64  `json:"PauseTotalNs"`
	PauseNs       []uint64 `json:"PauseNs"`
	GCCPUFraction *float64 `json:"GCCPUFraction"`
}

// ParseExpvar reads the memstats of a /debug/vars JSON document.
func ParseExpvar(body []byte) (Reading, error) {
	return readExpvar(bytes.NewReader(body))
}

// maxMemstats bounds the memstats value (Go's is about 10 KiB).
const maxMemstats = 1 << 20

// readExpvar streams a /debug/vars document up to its top-level
// "memstats" and decodes that value alone: the other variables, however
// large, are skipped without being kept, and reading stops after it.
func readExpvar(in io.Reader) (Reading, error) {
	sc := &jsonSkipper{br: bufio.NewReaderSize(in, 32<<10)}
	val, err := sc.findMember("memstats")
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return Reading{}, err
		}
		return Reading{}, fmt.Errorf("parse expvar JSON: %w", err)
	}
	var doc struct{ Memstats *memStats }
	if val != nil {
		var ms memStats
		if err := json.NewDecoder(io.LimitReader(val, maxMemstats)).Decode(&ms); err != nil {
			return Reading{}, fmt.Errorf("parse expvar JSON: memstats: %w", err)
		}
		doc.Memstats = &ms
	}
	m := doc.Memstats
	if m == nil || m.NumGC == nil {
		return Reading{}, errors.New("no memstats in the expvar document (is it Go's /debug/vars?)")
	}
	var r Reading
	if m.HeapInuse != nil {
		r.HeapInUse = f64(float64(*m.HeapInuse))
	}
	if m.GCCPUFraction != nil {
		r.GCCPUFraction = f64(*m.GCCPUFraction)
	}
	n := *m.NumGC
	r.GCCount = f64(float64(n))
	if m.PauseTotalNs != nil {
		r.GCPauseSum = f64(float64(*m.PauseTotalNs) / 1e9)
	}
	// PauseNs is a ring: cycle g (1-based) is at (g-1) % len. List the
	// most recent ones, oldest first.
	if ring := uint32(len(m.PauseNs)); ring > 0 {
		k := min(n, ring)
		r.GCPauses = make([]time.Duration, 0, k)
		for i := range k {
			g := n - k + 1 + i
			r.GCPauses = append(r.GCPauses, time.Duration(m.PauseNs[(g-1)%ring]))
		}
	}
	return r, nil
}

// jsonSkipper walks a JSON object's top level without keeping it.
// encoding/json's Decoder buffers every token whole (a 100 MB string is
// 100 MB of memory), so values are skipped here, a buffer at a time.
type jsonSkipper struct {
	br *bufio.Reader
}

// findMember returns a reader positioned at the value of the first
// top-level member named key, or nil if the object has none.
func (j *jsonSkipper) findMember(key string) (io.Reader, error) {
	if err := j.expect('{'); err != nil {
		return nil, err
	}
	for first := true; ; first = false {
		c, err := j.nonSpace()
		if err != nil {
			return nil, err
		}
		if c == '}' {
			return nil, nil
		}
		if !first {
			if c != ',' {
				return nil, fmt.Errorf("want , or } between members, got %q", c)
			}
			if c, err = j.nonSpace(); err != nil {
				return nil, err
			}
		}
		if c != '"' {
			return nil, fmt.Errorf("want a member name, got %q", c)
		}
		name, err := j.shortString(len(key) + 1)
		if err != nil {
			return nil, err
		}
		if err := j.expect(':'); err != nil {
			return nil, err
		}
		if name == key {
			return j.br, nil
		}
		if err := j.skipValue(); err != nil {
			return nil, err
		}
	}
}

func (j *jsonSkipper) nonSpace() (byte, error) {
	for {
		c, err := j.br.ReadByte()
		if err != nil {
			return 0, unexpected(err)
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

func (j *jsonSkipper) expect(want byte) error {
	c, err := j.nonSpace()
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("want %q, got %q", want, c)
	}
	return nil
}

// shortString reads the rest of a string (its quote read) and returns it
// when it is at most max bytes long, "" otherwise.
func (j *jsonSkipper) shortString(max int) (string, error) {
	var b []byte
	for {
		c, err := j.br.ReadByte()
		if err != nil {
			return "", unexpected(err)
		}
		switch {
		case c == '"':
			if len(b) > max {
				return "", nil
			}
			return string(b), nil
		case c == '\\':
			if _, err := j.br.ReadByte(); err != nil {
				return "", unexpected(err)
			}
			b = append(b, '\\') // never equal to a plain key
		case len(b) <= max:
			b = append(b, c)
		}
	}
}

// skipString skips the rest of a string (its quote read).
func (j *jsonSkipper) skipString() error {
	for {
		buf, err := j.peek()
		if err != nil {
			return err
		}
		i := bytes.IndexAny(buf, `"\`)
		if i < 0 {
			j.br.Discard(len(buf))
			continue
		}
		j.br.Discard(i + 1)
		if buf[i] == '"' {
			return nil
		}
		if _, err := j.br.ReadByte(); err != nil { // the escaped byte
			return unexpected(err)
		}
	}
}

// skipValue skips one value: a string, an object or array at any depth,
// or a number or literal.
func (j *jsonSkipper) skipValue() error {
	c, err := j.nonSpace()
	if err != nil {
		return err
	}
	switch c {
	case '"':
		return j.skipString()
	case '{', '[':
		for depth := 1; depth > 0; {
			buf, err := j.peek()
			if err != nil {
				return err
			}
			i := bytes.IndexAny(buf, `"{}[]`)
			if i < 0 {
				j.br.Discard(len(buf))
				continue
			}
			j.br.Discard(i + 1)
			switch buf[i] {
			case '"':
				if err := j.skipString(); err != nil {
					return err
				}
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		return nil
	}
	// A number or literal: up to the next delimiter, left unread.
	for {
		buf, err := j.peek()
		if err != nil {
			return err
		}
		if i := bytes.IndexAny(buf, ",}] \t\r\n"); i >= 0 {
			j.br.Discard(i)
			return nil
		}
		j.br.Discard(len(buf))
	}
}

// peek is what is buffered, reading more when nothing is.
func (j *jsonSkipper) peek() ([]byte, error) {
	if j.br.Buffered() == 0 {
		if _, err := j.br.Peek(1); err != nil {
			return nil, unexpected(err)
		}
	}
	buf, _ := j.br.Peek(j.br.Buffered())
	return buf, nil
}

// unexpected turns the end of the input inside a document into an error
// that says so.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
