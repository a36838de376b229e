package recording

import (
	"strconv"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// maxRawErrors bounds the raw error messages counted before normalising.
const maxRawErrors = 256

// hotCounts keep Record free of allocation: status codes are counted by
// number (strconv.Itoa allocates for codes of 100 and up) and error
// messages by their raw text, so the regexps of NormalizeError run once
// per distinct message at Close, not once per failed request. Both are
// folded into counts when the recorder closes.
type hotCounts struct {
	codes map[uint16]uint64
	errs  map[string]uint64
}

func newHotCounts() hotCounts {
	return hotCounts{codes: map[uint16]uint64{}, errs: map[string]uint64{}}
}

// addError counts msg raw; messages that vary per request (a local port,
// an id) would grow the raw map without bound, so past maxRawErrors they
// are normalised straight into c.
func (h *hotCounts) addError(c *runrecord.Counts, msg string, r *runrecord.Redactor) {
	if _, ok := h.errs[msg]; ok || len(h.errs) < maxRawErrors {
		h.errs[msg]++
		return
	}
	c.Errors.Add(r.Text(msg), 1)
}

// fold moves the hot counts into c, known secrets masked in the messages.
func (h *hotCounts) fold(c *runrecord.Counts, r *runrecord.Redactor) {
	for code, n := range h.codes {
		c.Codes[strconv.Itoa(int(code))] += n
	}
	for msg, n := range h.errs {
		c.Errors.Add(r.Text(msg), n)
	}
	clear(h.codes)
	clear(h.errs)
}
