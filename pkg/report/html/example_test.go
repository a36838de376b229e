package html_test

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/report/html"
)

// Render a run record's self-contained report.html from the record.
func ExampleWriteRecord() {
	path, err := html.WriteRecord("runs/x")
	if err != nil {
		panic(err)
	}
	fmt.Println("open", path)
}
