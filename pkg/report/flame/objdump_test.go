package flame_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// TestRenderingStartsNoBinutils: pprof's driver, given no ObjTool, starts
// objdump processes to find a usable one on every run (9% of the CLI
// tests' CPU went there). The profiles are the target's, its binaries are
// elsewhere: rendering must start no process. Fake binutils on PATH record
// any start.
func TestRenderingStartsNoBinutils(t *testing.T) {
	bin := t.TempDir()
	marker := filepath.Join(t.TempDir(), "started")
	for _, name := range []string{"objdump", "llvm-objdump", "addr2line", "llvm-symbolizer", "nm", "llvm-nm", "gobjdump"} {
		script := "#!/bin/sh\necho " + name + " >> " + marker + "\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	p, err := report.LoadProfile("cpu", goldenrecords.Dir("collect-new"))
	if err != nil || p == nil {
		t.Fatalf("load CPU profile: %v", err)
	}
	if _, err := flame.Top(p, 5, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := flame.Embeddable(p, nil, ""); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(marker); err == nil {
		t.Errorf("rendering started binutils: %q", b)
	}
}
