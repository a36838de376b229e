package loadprofile_test

import (
	"fmt"

	"github.com/loadgen/loadgen/pkg/loadprofile"
)

func ExampleParse() {
	data := []byte("url: [http://127.0.0.1:8080/a, http://127.0.0.1:8080/b]\nrate: 200\n")
	p, err := loadprofile.Parse(data, "smoke.yaml", loadprofile.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range p.Settings {
		fmt.Println(s.Key, s.Values)
	}
	// Output:
	// url [http://127.0.0.1:8080/a http://127.0.0.1:8080/b]
	// rate [200]
}
