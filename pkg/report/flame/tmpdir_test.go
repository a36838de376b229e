package flame_test

import (
	"os"
	"testing"

	"github.com/loadgen/loadgen/internal/goldenrecords"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/report/flame"
)

// TestRenderingSavesNoProfile: pprof's driver saves a copy of every
// profile it fetched from a "remote" source into $PPROF_TMPDIR (default
// $HOME/pprof), and a fetch that names its source counts as remote. Each
// report left a file in the user's home, and each render tried every
// name before the first free one (up to 10,000; thousands had piled up
// on the test box).
func TestRenderingSavesNoProfile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PPROF_TMPDIR", dir)
	p, err := report.LoadProfile("cpu", goldenrecords.Dir("collect-new"))
	if err != nil || p == nil {
		t.Fatalf("load CPU profile: %v", err)
	}
	if _, err := flame.Top(p, 5, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := flame.Embeddable(p, p, ""); err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		t.Errorf("rendering saved files in PPROF_TMPDIR: %v %v", ents, err)
	}
}
