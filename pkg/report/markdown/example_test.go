package markdown_test

import (
	"os"
	"time"

	"github.com/loadgen/loadgen/pkg/report/markdown"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func ExampleWriteSummary() {
	markdown.WriteSummary(os.Stdout, "checkout", runrecord.Summary{Requests: 3000, Rate: 100, Throughput: 100, SuccessRatio: 1,
		Latency: runrecord.Latency{P50: 2 * time.Millisecond, P90: 3 * time.Millisecond, P99: 5 * time.Millisecond}})
	// Output:
	// ### loadgen: checkout
	//
	// | metric | value |
	// |:---|---:|
	// | requests | 3000 |
	// | rate (sent) | 100.0/s |
	// | throughput (successful) | 100.0/s |
	// | success | 100.00% |
	// | latency p50 / p90 / p99 | 2ms / 3ms / 5ms |
	// | latency p99.9 / max | 0s / 0s |
	// | service latency p50 / p99 | 0s / 0s |
	// | dispatch lag p99 | 0s |
	// | missed slots | 0 |
}
