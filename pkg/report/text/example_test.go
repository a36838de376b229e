package text_test

import (
	"os"
	"time"

	"github.com/loadgen/loadgen/pkg/report/text"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

func ExampleWrite() {
	text.Write(os.Stdout, runrecord.Summary{
		Requests: 1000, SuccessRatio: 1, Rate: 100, Throughput: 100, Duration: 10 * time.Second,
		Latency:        runrecord.Latency{P50: 2 * time.Millisecond, P99: 9 * time.Millisecond, Max: 12 * time.Millisecond},
		ServiceLatency: runrecord.Latency{P50: 2 * time.Millisecond, P99: 8 * time.Millisecond, Max: 11 * time.Millisecond},
		StatusCodes:    map[string]uint64{"200": 1000},
	})
	// Output:
	// Requests      [total, rate, throughput]               1000, 100.00/s, 100.00/s
	// Duration      [attack, wait]                          10s, 0s
	// Latency       [min, mean, 50, 90, 95, 99, 99.9, max]  0s, 0s, 2ms, 0s, 0s, 9ms, 0s, 12ms
	// Service       [min, mean, 50, 90, 95, 99, 99.9, max]  0s, 0s, 2ms, 0s, 0s, 8ms, 0s, 11ms
	// Dispatch lag  [50, 99, max]                           0s, 0s, 0s
	// Missed        [slots due, never sent]                 0
	// Bytes In      [total, mean]                           0, 0.00
	// Bytes Out     [total, mean]                           0, 0.00
	// Success       [ratio]                                 100.00%
	// Status Codes  [code:count]                            200:1000
	// Error Set:
}
