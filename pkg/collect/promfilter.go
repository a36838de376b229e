package collect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// wantedFamilies are the metric families ReadingFromMetrics reads, under
// their Prometheus text names and, for counters, their OpenMetrics family
// names (without _total).
var wantedFamilies = map[string]bool{
	"process_cpu_seconds_total":        true,
	"process_cpu_seconds":              true,
	"process_resident_memory_bytes":    true,
	"process_open_fds":                 true,
	"go_goroutines":                    true,
	"go_threads":                       true,
	"go_memstats_heap_inuse_bytes":     true,
	"go_gc_duration_seconds":           true,
	"go_sched_pauses_total_gc_seconds": true,
	"go_gc_pauses_seconds":             true,
}

// sampleSuffixes are what histogram, summary and counter samples add to
// their family's name.
var sampleSuffixes = [][]byte{[]byte("_total"), []byte("_bucket"), []byte("_sum"), []byte("_count"), []byte("_created"), []byte("_gsum"), []byte("_gcount")}

func wanted(name []byte) bool {
	if wantedFamilies[string(name)] {
		return true
	}
	for _, suf := range sampleSuffixes {
		if bytes.HasSuffix(name, suf) && wantedFamilies[string(name[:len(name)-len(suf)])] {
			return true
		}
	}
	return false
}

const (
	// maxLine bounds one line of an exposition; longer ones are skipped.
	maxLine = 64 << 10
	// maxKeptBytes bounds the lines kept for parsing: loadgen's families
	// take a few KiB in a normal exposition.
	maxKeptBytes = 4 << 20
)

// errTooManySeries marks an exposition over the series cap.
var errTooManySeries = errors.New("too many series")

// exposition counts what a scrape held.
type exposition struct {
	series int // sample lines read
	kept   int // of which loadgen uses
}

// filterExposition streams a Prometheus text or OpenMetrics exposition and
// keeps only the lines of the families loadgen reads, so that memory stays
// flat however many series the endpoint exposes. expfmt's text decoder
// reads the whole input into a map before returning the first family, so
// it gets the filtered lines only. It stops with errTooManySeries past
// maxSeries sample lines.
func filterExposition(r io.Reader, maxSeries int) ([]byte, exposition, error) {
	br := bufio.NewReaderSize(r, maxLine)
	var kept bytes.Buffer
	var ex exposition
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than any real one: skip to its end.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = nil
		}
		if len(line) > 0 {
			name, sample := lineName(line)
			if sample {
				if ex.series++; ex.series > maxSeries {
					return nil, ex, fmt.Errorf("%w: more than %d", errTooManySeries, maxSeries)
				}
			}
			if name != nil && wanted(name) {
				if sample {
					ex.kept++
				}
				if kept.Len()+len(line) > maxKeptBytes {
					return nil, ex, fmt.Errorf("%w: loadgen's own metrics take more than %s", errTooLarge, iec(maxKeptBytes))
				}
				kept.Write(line)
				if line[len(line)-1] != '\n' {
					kept.WriteByte('\n')
				}
			} else if bytes.HasPrefix(line, []byte("# EOF")) {
				kept.Write(line) // OpenMetrics' end marker
			}
		}
		if errors.Is(err, io.EOF) {
			return kept.Bytes(), ex, nil
		}
		if err != nil {
			return nil, ex, err
		}
	}
}

// token splits a line at its first blank.
func token(b []byte) (word, rest []byte) {
	if i := bytes.IndexAny(b, " \t\r\n"); i >= 0 {
		return b[:i], b[i:]
	}
	return b, nil
}

// lineName is the metric name a line is about ("# HELP name ...", "# TYPE
// name ...", "# UNIT name ...", or a sample "name{...} value"), and
// whether it is a sample. Other comments and blank lines have none.
func lineName(line []byte) (name []byte, sample bool) {
	line = bytes.TrimLeft(line, " \t")
	if len(line) == 0 || line[0] == '\n' || line[0] == '\r' {
		return nil, false
	}
	if line[0] == '#' {
		// "# HELP name ...": without bytes.Fields, which allocates for
		// every line (an endless comment flood is millions of them).
		word, rest := token(bytes.TrimLeft(line[1:], " \t"))
		switch string(word) { // no allocation: compared in place
		case "HELP", "TYPE", "UNIT":
			if name, _ := token(bytes.TrimLeft(rest, " \t")); len(name) > 0 {
				return name, false
			}
		}
		return nil, false
	}
	end := bytes.IndexAny(line, "{ \t\r\n")
	if end < 0 {
		end = len(line)
	}
	return line[:end], true
}
