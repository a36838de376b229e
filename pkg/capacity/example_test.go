package capacity_test

import (
	"context"
	"fmt"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/capacity"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/slo"
)

// The highest rate at which the target keeps p99 under 50 ms.
func ExampleSearch() {
	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/work?c=8&ms=10"}, "GET", nil, nil)
	set, err := slo.Parse("p99<50ms,success>=99.9%")
	if err != nil {
		panic(err)
	}
	run, err := capacity.Search(context.Background(), capacity.Config{
		Plan:    runner.Plan{Targets: tgts, Options: attack.DefaultOptions(), Out: "runs/cap", SLO: set},
		MinRate: 50, MaxRate: 5000,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(run.Summary.Capacity.SustainableRate)
}
