package manifests

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func testConfig() Config {
	return Config{Name: "checkout", Namespace: "load", Image: "registry.example.com/loadgen:v1", Shards: 8,
		Files: map[string]string{ProfileFile: "rate: 20000\nduration: 60s\nurl: [http://checkout:8080/]\n"}}
}

func TestBuildDecodesStrictly(t *testing.T) {
	c := testConfig()
	objs, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, objs); err != nil {
		t.Fatal(err)
	}
	o, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	c.Port = DefaultPort
	for _, p := range o.Problems(c) {
		t.Error(p)
	}
	if got := strings.Join(o.Coordinator.Spec.Template.Spec.Containers[0].Args, " "); !strings.Contains(got, "-hold 1h0m0s") {
		t.Errorf("coordinator args %q: want the default hold", got)
	}
}

// A misspelt field is an error, so the test above can fail.
func TestDecodeStrictRefusesUnknownFields(t *testing.T) {
	objs, _ := Build(testConfig())
	var buf bytes.Buffer
	Write(&buf, objs)
	bad := strings.Replace(buf.String(), "backoffLimitPerIndex:", "backofLimitPerIndex:", 1)
	if _, err := Decode([]byte(bad)); err == nil || !strings.Contains(err.Error(), "backofLimitPerIndex") {
		t.Fatalf("misspelt field accepted: %v", err)
	}
}

func TestBuildChecksConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"name":       func(c *Config) { c.Name = "Checkout_1" },
		"long name":  func(c *Config) { c.Name = strings.Repeat("a", 52) },
		"no image":   func(c *Config) { c.Image = "" },
		"no shards":  func(c *Config) { c.Shards = 0 },
		"quantity":   func(c *Config) { c.ShardMemory = "lots" },
		"no profile": func(c *Config) { c.Files = nil },
		"too big":    func(c *Config) { c.Files["targets"] = strings.Repeat("x", 1<<20) },
		"pull":       func(c *Config) { c.ImagePullPolicy = "Sometimes" },
	} {
		c := testConfig()
		mod(&c)
		if _, err := Build(c); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: got %v, want ErrConfig", name, err)
		}
	}
	c := testConfig()
	c.Hold = 10 * time.Minute
	if _, err := Build(c); err != nil {
		t.Fatal(err)
	}
}
