package runrecord

import (
	"regexp"
	"sort"
	"strings"
)

// maxErrorKinds bounds the distinct messages kept; the rest are lumped.
const (
	maxErrorKinds  = 64
	maxErrorLength = 240
	otherErrors    = "(other errors)"
)

var (
	// "127.0.0.1:54321->": the local side of a connection changes every time.
	localAddr = regexp.MustCompile(`(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.%\w]*\]):\d+->`)
	// A bare ephemeral port on an address ("dial tcp 127.0.0.1:0: ...") stays.
	longNumber = regexp.MustCompile(`\b\d{6,}\b`)
)

// NormalizeError folds the parts of an error message that differ between
// otherwise identical errors (local ports, long ids) so they group together,
// and hides the credentials it quotes (a URL's userinfo and secret query
// values: net/http and fasthttp put the request's URL in their errors).
func NormalizeError(msg string) string {
	msg = RedactText(msg)
	msg = localAddr.ReplaceAllString(msg, "*->")
	msg = longNumber.ReplaceAllString(msg, "N")
	if len(msg) > maxErrorLength {
		msg = msg[:maxErrorLength] + "..."
	}
	return strings.TrimSpace(msg)
}

// ErrorSet counts errors by normalised message, keeping at most
// maxErrorKinds distinct messages.
type ErrorSet map[string]uint64

// Add counts n occurrences of msg, normalised.
func (s ErrorSet) Add(msg string, n uint64) {
	msg = NormalizeError(msg)
	if _, ok := s[msg]; !ok && len(s) >= maxErrorKinds {
		msg = otherErrors
	}
	s[msg] += n
}

// List returns errors by count, most frequent first.
func (s ErrorSet) List() []ErrorCount {
	out := make([]ErrorCount, 0, len(s))
	for m, n := range s {
		out = append(out, ErrorCount{Message: m, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Message < out[j].Message
	})
	return out
}
