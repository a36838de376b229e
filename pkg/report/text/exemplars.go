package text

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// maxOutcome bounds an error message in the slowest-requests table; the
// run record keeps it whole (up to the grouping's own bound).
const maxOutcome = 72

// writeExemplars ends the summary with the slowest requests of the run:
// what to look up in the target's logs or traces.
func writeExemplars(w io.Writer, list []runrecord.Exemplar) error {
	if len(list) == 0 {
		return nil
	}
	// A run of several endpoint groups names each request's group: the
	// line to follow from the groups table to a trace.
	grouped := slices.ContainsFunc(list, func(e runrecord.Exemplar) bool { return e.Group != "" })
	group := func(runrecord.Exemplar) string { return "" }
	if grouped {
		fmt.Fprintln(w, "Slowest requests [due (UTC), latency, service, lag, status or error, group, target, trace id]:")
		group = func(e runrecord.Exemplar) string { return cmp.Or(printable(e.Group), "-") + "\t" }
	} else {
		fmt.Fprintln(w, "Slowest requests [due (UTC), latency, service, lag, status or error, target, trace id]:")
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, e := range list {
		trace := e.TraceID
		if trace == "" {
			trace = "-"
		} else if e.Sampled != nil && !*e.Sampled {
			trace += " (not sampled)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s%s\t%s\n", e.Intended.UTC().Format("15:04:05.000"),
			Round(e.Latency), Round(e.ServiceLatency), Round(e.DispatchLag), outcome(e), group(e), printable(e.Target), trace)
	}
	return tw.Flush()
}

// outcome is the status code, or the (grouped) error when there is one.
func outcome(e runrecord.Exemplar) string {
	if e.Error == "" {
		return strconv.Itoa(e.Status)
	}
	msg := printable(e.Error)
	if len(msg) > maxOutcome {
		msg = msg[:maxOutcome] + "..."
	}
	return msg
}

// printable keeps a target-controlled string from steering the terminal:
// control characters (escape sequences, tabs that would break the table)
// are shown quoted.
func printable(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == unicode.ReplacementChar }) < 0 {
		return s
	}
	q := strconv.QuoteToASCII(s)
	return q[1 : len(q)-1]
}
