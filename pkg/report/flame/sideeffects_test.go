package flame_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// TestRenderingLeavesNoTrace: rendering a profile writes no file and
// starts no process.
//
//   - pprof's driver saves a copy of every profile it fetched from a
//     "remote" source into $PPROF_TMPDIR (default $HOME/pprof), and a
//     fetch that names its source counts as remote: each report left a
//     file in the user's home, and each render tried every name before the
//     first free one (thousands had piled up on the test box).
//   - Given no ObjTool, the driver starts objdump processes to find a
//     usable one on every run (9% of the CLI tests' CPU went there). The
//     profiles are the target's and its binaries are elsewhere: fake
//     binutils on PATH record any start.
func TestRenderingLeavesNoTrace(t *testing.T) {
	saved := t.TempDir()
	t.Setenv("PPROF_TMPDIR", saved)
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
	if _, err := flame.Embeddable(p, p, ""); err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(saved); err != nil || len(ents) > 0 {
		t.Errorf("rendering saved files in PPROF_TMPDIR: %v %v", ents, err)
	}
	if b, err := os.ReadFile(marker); err == nil {
		t.Errorf("rendering started binutils: %q", b)
	}
}
