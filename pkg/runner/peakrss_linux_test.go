package runner

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestPeakRSSIsOwn: a process started by a large one reports its own peak
// RSS, not its parent's (which Linux's ru_maxrss carries across vfork and
// exec).
func TestPeakRSSIsOwn(t *testing.T) {
	t.Parallel()
	if os.Getenv("LOADGEN_PEAKRSS_CHILD") != "" {
		_, reported := selfUsage()
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		os.Stdout.WriteString(strconv.FormatUint(reported, 10) + " " + strconv.FormatInt(ru.Maxrss<<10, 10) + "\n")
		return
	}
	const big = 200 << 20
	ballast := make([]byte, big)
	// Touch every page, so it is resident: one byte a page is enough,
	// and a write per byte cost seconds under the race detector.
	for i := 0; i < len(ballast); i += os.Getpagesize() {
		ballast[i] = 1
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPeakRSSIsOwn$")
	cmd.Env = append(os.Environ(), "LOADGEN_PEAKRSS_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		t.Fatalf("child said %q", out)
	}
	reported, _ := strconv.ParseUint(f[0], 10, 64)
	maxrss, _ := strconv.ParseUint(f[1], 10, 64)
	if reported == 0 || reported >= big/2 {
		t.Errorf("child's peak RSS reported as %d; its parent holds %d (ru_maxrss says %d)", reported, big, maxrss)
	}
	_ = ballast[len(ballast)-1]
}
