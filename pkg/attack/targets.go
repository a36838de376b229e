package attack

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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
	t, _, err := ReadGroupedTargetsFile(path, format, hdr, body)
	return t, err
}

// ReadGroupedTargetsFile reads a vegeta targets file with its targets'
// group names; see ReadGroupedTargets.
func ReadGroupedTargetsFile(path, format string, hdr http.Header, body []byte) ([]vegeta.Target, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("targets: %w", err)
	}
	defer f.Close()
	return ReadGroupedTargets(f, path, format, hdr, body)
}

// ReadTargets reads every target from src in vegeta's http or json format,
// decoding each with vegeta's own targeter, and reports the first bad one as
// "name:line: problem" before any traffic is sent. hdr and body are defaults
// that targets may override, as in vegeta.
func ReadTargets(src io.Reader, name, format string, hdr http.Header, body []byte) ([]vegeta.Target, error) {
	t, _, err := ReadGroupedTargets(src, name, format, hdr, body)
	return t, err
}

// GroupDirective names the endpoint group of the next target in the http
// format: a comment line "# @group NAME" before its request line. vegeta
// skips comments, so the file stays a vegeta targets file.
const GroupDirective = "# @group "

// groupLine reads a "# @group NAME" line (spaces around the parts free).
func groupLine(line string) (name string, ok bool) {
	rest, ok := strings.CutPrefix(line, "#")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "@group")
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// ReadGroupedTargets is ReadTargets that also returns each target's group
// name as the file gives it ("" where it gives none): a "# @group NAME"
// line before the target's request line in the http format, a "group"
// field in the json format. vegeta's own readers ignore both (a comment;
// a field its decoder skips), so such a file still works with vegeta.
func ReadGroupedTargets(src io.Reader, name, format string, hdr http.Header, body []byte) ([]vegeta.Target, []string, error) {
	var (
		tgts   []vegeta.Target
		groups []string
	)
	err := eachTarget(src, name, format, hdr, body, func(t vegeta.Target, c chunk) error {
		if c.group != "" && groups == nil {
			groups = make([]string, len(tgts), cap(tgts)+1)
		}
		tgts = append(tgts, t)
		if groups != nil {
			groups = append(groups, c.group)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(tgts) == 0 {
		return nil, nil, fmt.Errorf("%s: %w found", name, ErrNoTargets)
	}
	return tgts, groups, nil
}

// eachTarget decodes src's targets one at a time, in order, each with
// vegeta's own targeter, and calls fn with each and its chunk (line,
// group). It holds one target's text at a time, so the eager reader and
// the lazy TargetStream share every rule and error message. A problem is
// "name:line: problem"; an error of fn is returned as it is.
func eachTarget(src io.Reader, name, format string, hdr http.Header, body []byte, fn func(vegeta.Target, chunk) error) error {
	var each func(io.Reader, func(chunk) error) error
	switch format {
	case FormatHTTP, "":
		each = httpChunks
	case FormatJSON:
		each = jsonChunks
	default:
		return fmt.Errorf("unknown targets format %q: want http or json", format)
	}
	var fnErr error
	err := each(src, func(c chunk) error {
		var tr vegeta.Targeter
		if format == FormatJSON {
			tr = vegeta.NewJSONTargeter(strings.NewReader(c.text), body, hdr)
		} else {
			tr = vegeta.NewHTTPTargeter(strings.NewReader(c.text), body, hdr)
		}
		var t vegeta.Target
		if err := tr(&t); err != nil {
			return fmt.Errorf("%s:%d: %w", name, c.lineOf(err), err)
		}
		if err := CheckURL(t.URL); err != nil {
			return fmt.Errorf("%s:%d: %w", name, c.line, err)
		}
		if err := fn(t, c); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	var ce splitError
	switch {
	case err == nil || err == fnErr:
		return err
	case errors.As(err, &ce):
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// splitError is a problem the chunk splitter found ("line N: ...").
type splitError struct{ error }

func (e splitError) Unwrap() error { return e.error }

func splitErrorf(format string, args ...any) error { return splitError{fmt.Errorf(format, args...)} }

// chunk is the text of one target, the line it starts on and its group.
type chunk struct {
	line  int
	text  string
	lines []string
	group string
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
func httpChunks(src io.Reader, emit func(chunk) error) error {
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var (
		cur   *chunk
		n     int
		group string // from a "# @group" line, for the next target
		gline int
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		cur.text = strings.Join(cur.lines, "\n") + "\n"
		c := *cur
		cur = nil
		return emit(c)
	}
	for sc.Scan() {
		n++
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if g, ok := groupLine(line); ok {
			if cur != nil {
				// vegeta reads what follows as this target's headers.
				return splitErrorf("line %d: %q inside a target: put it on its own line before the request line, after a blank line", n, strings.TrimSpace(GroupDirective))
			}
			if g = strings.TrimSpace(g); g == "" {
				return splitErrorf("line %d: %q without a name", n, strings.TrimSpace(GroupDirective))
			}
			if group != "" {
				return splitErrorf("line %d: a second %q before one target (the first is on line %d)", n, strings.TrimSpace(GroupDirective), gline)
			}
			group, gline = g, n
			continue
		}
		switch {
		case cur == nil && (line == "" || line[0] == '#'):
			continue
		case cur == nil:
			cur = &chunk{line: n, lines: []string{raw}, group: group}
			group = ""
		case line == "":
			if err := flush(); err != nil {
				return err
			}
		case len(cur.lines) == 1 && httpMethod.MatchString(line):
			if err := flush(); err != nil {
				return err
			}
			cur = &chunk{line: n, lines: []string{raw}}
		default:
			cur.lines = append(cur.lines, raw)
			if strings.HasPrefix(line, "@") {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return splitErrorf("line %d: %w", n+1, err)
	}
	if err := flush(); err != nil {
		return err
	}
	if group != "" {
		return splitErrorf("line %d: %q with no target after it", gline, strings.TrimSpace(GroupDirective))
	}
	return nil
}

// jsonChunks yields one chunk per non-empty line, as vegeta's JSON format.
func jsonChunks(src io.Reader, emit func(chunk) error) error {
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		c := chunk{line: n, text: string(line) + "\n", lines: []string{string(line)}}
		if bytes.Contains(line, []byte(`"group"`)) {
			var g struct {
				Group *string `json:"group"`
			}
			if err := json.Unmarshal(line, &g); err == nil && g.Group != nil {
				if c.group = strings.TrimSpace(*g.Group); c.group == "" {
					return splitErrorf("line %d: empty \"group\"", n)
				}
			}
		}
		if err := emit(c); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return splitErrorf("line %d: %w", n+1, err)
	}
	return nil
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
