package hostile_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/loadgen/loadgen/internal/hostile"
)

// A target that closes every connection after one response, without a
// "Connection: close": the next request on a kept-alive connection finds
// it closed.
func Example() {
	srv, err := hostile.Start(hostile.ClosesIdle())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	c := &http.Client{Timeout: 5 * time.Second}
	for range 2 {
		resp, err := c.Get(srv.URL)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.Status)
	}
	// Output:
	// 200 OK
	// 200 OK
}
