package runrecord_test

import (
	"fmt"
	"os"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Merge the latency logs of two shards interval by interval: histograms
// of the same absolute interval add up exactly.
func ExampleMergeHlogs() {
	err := runrecord.MergeHlogs([]string{"runs/a-0", "runs/a-1"}, func(startMs, endMs int64, s runrecord.Series) error {
		fmt.Println(time.UnixMilli(startMs).UTC(), s.Latency.TotalCount(), time.Duration(s.Latency.ValueAtQuantile(99)))
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// Secrets in URLs never reach a record.
func ExampleRedactURL() {
	fmt.Println(runrecord.RedactURL("http://bob:hunter2@127.0.0.1:8080/items?api_key=k3y&page=2"))
	// Output: http://REDACTED@127.0.0.1:8080/items?api_key=REDACTED&page=2
}
