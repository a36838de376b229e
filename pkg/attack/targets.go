package attack

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Targets formats understood by ReadTargets, as in `vegeta attack -format`.
const (
	FormatHTTP = "http"
	FormatJSON = "json"
)

// TargetsFromURLs builds one target per URL (round-robin at attack time) with
// the given method, headers and body.
func TargetsFromURLs(urls []string, method string, hdr http.Header, body []byte) ([]vegeta.Target, error) {
	if len(urls) == 0 {
		return nil, ErrNoTargets
	}
	if method == "" {
		method = http.MethodGet
	}
	if !httpMethod.MatchString(method + " ") {
		return nil, fmt.Errorf("invalid method %q: want an upper-case HTTP method like GET or POST", method)
	}
	tgts := make([]vegeta.Target, 0, len(urls))
	for _, u := range urls {
		if err := CheckURL(u); err != nil {
			return nil, err
		}
		tgts = append(tgts, vegeta.Target{Method: method, URL: u, Body: body, Header: hdr.Clone()})
	}
	return tgts, nil
}

// CheckURL rejects URLs that cannot be attacked: no http(s) scheme or no host.
func CheckURL(raw string) error {
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("invalid URL %q: scheme must be http or https (like http://127.0.0.1:8080/path)", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("invalid URL %q: scheme must be http or https (like http://127.0.0.1:8080/path)", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("invalid URL %q: missing host (like http://127.0.0.1:8080/path)", raw)
	}
	return nil
}

// ReadTargetsFile reads a vegeta targets file; see ReadTargets.
func ReadTargetsFile(path, format string, hdr http.Header, body []byte) ([]vegeta.Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	defer f.Close()
	return ReadTargets(f, path, format, hdr, body)
}

// ReadTargets reads every target from src in vegeta's http or json format,
// decoding each with vegeta's own targeter, and reports the first bad one as
// "name:line: problem" before any traffic is sent. hdr and body are defaults
// that targets may override, as in vegeta.
func ReadTargets(src io.Reader, name, format string, hdr http.Header, body []byte) ([]vegeta.Target, error) {
	var chunks []chunk
	var err error
	switch format {
	case FormatHTTP, "":
		chunks, err = httpChunks(src)
	case FormatJSON:
		chunks, err = jsonChunks(src)
	default:
		return nil, fmt.Errorf("unknown targets format %q: want http or json", format)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	tgts := make([]vegeta.Target, 0, len(chunks))
	for _, c := range chunks {
		var tr vegeta.Targeter
		if format == FormatJSON {
			tr = vegeta.NewJSONTargeter(strings.NewReader(c.text), body, hdr)
		} else {
			tr = vegeta.NewHTTPTargeter(strings.NewReader(c.text), body, hdr)
		}
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, c.lineOf(err), err)
		}
		if err := CheckURL(t.URL); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, c.line, err)
		}
		tgts = append(tgts, t)
	}
	if len(tgts) == 0 {
		return nil, fmt.Errorf("%s: %w found", name, ErrNoTargets)
	}
	return tgts, nil
}

// chunk is the text of one target and the line it starts on.
type chunk struct {
	line  int
	text  string
	lines []string
}

// lineOf finds the line a vegeta error quotes, so the message points at it.
func (c chunk) lineOf(err error) int {
	msg := err.Error()
	for i, l := range c.lines {
		if l = strings.TrimPrefix(strings.TrimSpace(l), "@"); l != "" && strings.Contains(msg, l) {
			return c.line + i
		}
	}
	return c.line
}

var httpMethod = regexp.MustCompile(`^[A-Z]+\s`)

// httpChunks splits the http format the way vegeta's scanner walks it: a
// request line, then headers and an optional @body line up to a blank line
// (or straight away a new request line).
func httpChunks(src io.Reader) ([]chunk, error) {
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var (
		out []chunk
		cur *chunk
		n   int
	)
	flush := func() {
		if cur != nil {
			cur.text = strings.Join(cur.lines, "\n") + "\n"
			out = append(out, *cur)
			cur = nil
		}
	}
	for sc.Scan() {
		n++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		switch {
		case cur == nil && (line == "" || line[0] == '#'):
			continue
		case cur == nil:
			cur = &chunk{line: n, lines: []string{raw}}
		case line == "":
			flush()
		case len(cur.lines) == 1 && httpMethod.MatchString(line):
			flush()
			cur = &chunk{line: n, lines: []string{raw}}
		default:
			cur.lines = append(cur.lines, raw)
			if strings.HasPrefix(line, "@") {
				flush()
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	flush()
	return out, nil
}

// jsonChunks yields one chunk per non-empty line, as vegeta's JSON format.
func jsonChunks(src io.Reader) ([]chunk, error) {
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var out []chunk
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		out = append(out, chunk{line: n, text: string(line) + "\n", lines: []string{string(line)}})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return out, nil
}

// ParseHeader reads one "Name: value" header flag.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", fmt.Errorf("invalid header %q: want \"Name: value\"", s)
	}
	return name, value, nil
}
