package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// TestGeneratorHealthAndSelfProfile: every run records loadgen's own CPU
// and the client that sent; -self-profile adds its CPU profile.
func TestGeneratorHealthAndSelfProfile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	tgts, err := attack.TargetsFromURLs([]string{srv.URL}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := attack.DefaultOptions()
	o.Duration = 200 * time.Millisecond
	dir := t.TempDir()
	run, err := Execute(context.Background(), Plan{Targets: tgts, Schedule: attack.Constant{Freq: 200, Per: time.Second}, Options: o, Out: dir, SelfProfile: true})
	if err != nil {
		t.Fatal(err)
	}
	g := run.Summary.Generator
	if g == nil || g.Client != attack.ClientFast || g.Cores < 1 || g.CPUSeconds <= 0 || g.CPUPerRequest <= 0 || g.MaxRSSBytes == 0 {
		t.Fatalf("generator summary: %+v", g)
	}
	if run.Plan.Client != attack.ClientFast {
		t.Fatalf("plan client %q", run.Plan.Client)
	}
	b, err := os.ReadFile(filepath.Join(dir, runrecord.ProfilesDir, runrecord.ProfileSelfCPU))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("self profile is not gzipped pprof (%d bytes)", len(b))
	}
}
