package changepoint

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkDetect: one metric's series of N runs with a step in the middle
// (what loadgen history does per metric and name).
func BenchmarkDetect(b *testing.B) {
	for _, n := range []int{20, 100, 1000} {
		r := rand.New(rand.NewPCG(1, 1))
		x := append(noisy(r, n/2, 10, 0.04), noisy(r, n-n/2, 12, 0.04)...)
		b.Run(fmt.Sprintf("runs=%d", n), func(b *testing.B) {
			for b.Loop() {
				Detect(x, Options{})
			}
		})
	}
}
