package groups_test

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/groups"
)

// Two endpoints are two groups; a rule names one of them.
func ExampleBuild() {
	orders, err := groups.ParseRule("orders=POST /orders")
	if err != nil {
		panic(err)
	}
	set := groups.Build([]groups.Endpoint{
		{Method: "POST", URL: "http://127.0.0.1:8080/orders"},
		{Method: "GET", URL: "http://127.0.0.1:8080/health"},
	}, groups.Options{Rules: []groups.Rule{orders}})
	for i, target := range set.Of {
		fmt.Println(i, set.Names[target])
	}
	// Output:
	// 0 orders
	// 1 GET /health
}

// Ten thousand user URLs fold into one group.
func ExampleBuild_folding() {
	var eps []groups.Endpoint
	for id := 0; id < 10000; id++ {
		eps = append(eps, groups.Endpoint{Method: "GET", URL: fmt.Sprintf("http://127.0.0.1:8080/users/%d", id)})
	}
	set := groups.Build(eps, groups.Options{})
	fmt.Println(set.Names, set.Folding.Endpoints, set.Folding.Folded)
	// Output: [GET /users/{id}] 10000 [id-like path segments]
}
