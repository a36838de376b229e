package text

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// WriteShards writes the shard table of a coordinated run: where each
// shard ran, its clock offset against the coordinator (± half the round
// trip it was measured over), how late it began against the common start,
// and what became of it. It writes nothing when there are no shards.
func WriteShards(w io.Writer, shards []runrecord.Shard) error {
	if len(shards) == 0 {
		return nil
	}
	fmt.Fprintf(w, "Shards: %d, common start %s\n", len(shards), shards[0].Start.UTC().Format("2006-01-02 15:04:05.000Z"))
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "shard\thost\tclock offset\trtt\tstart lag\trequests\tstatus")
	var lo, hi time.Duration
	for i, s := range shards {
		status := s.Status
		if s.Status == runrecord.ShardLost && !s.LastInterval.IsZero() {
			status += ", last interval " + s.LastInterval.UTC().Format("15:04:05Z")
		}
		if s.Note != "" {
			status += ": " + s.Note
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Index, s.Host, Round(s.ClockOffset), Round(s.RTT), Round(s.StartLag),
			strconv.FormatUint(s.Requests, 10), status)
		if i == 0 || s.StartLag < lo {
			lo = s.StartLag
		}
		if i == 0 || s.StartLag > hi {
			hi = s.StartLag
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Start skew (offset-corrected start lags, max - min): %s\n", Round(hi-lo))
	return err
}
