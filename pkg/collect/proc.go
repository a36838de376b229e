package collect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/prometheus/procfs"
)

// procSource samples a local process of any language from /proc: CPU time,
// RSS, threads, open file descriptors and context switches.
type procSource struct {
	pid int
	fs  procfs.FS
}

func newProcSource(pid int, root string) (*procSource, error) {
	if root == "" {
		root = procfs.DefaultMountPoint
	}
	pfs, err := procfs.NewFS(root)
	if err != nil {
		return nil, fmt.Errorf("collect: sampling a process needs procfs: %w", err)
	}
	if pid <= 0 {
		return nil, fmt.Errorf("collect: pid %d: must be positive", pid)
	}
	p, err := pfs.Proc(pid)
	if err != nil {
		return nil, fmt.Errorf("collect: pid %d: %w", pid, err)
	}
	if _, err := p.Stat(); err != nil {
		return nil, fmt.Errorf("collect: pid %d: %w", pid, err)
	}
	return &procSource{pid: pid, fs: pfs}, nil
}

func (s *procSource) Name() string { return "pid " + strconv.Itoa(s.pid) }

func (s *procSource) Sample(_ context.Context, r *Reading) error {
	p, err := s.fs.Proc(s.pid)
	if err != nil {
		return s.gone(err)
	}
	st, err := p.Stat()
	if err != nil {
		return s.gone(err)
	}
	r.CPUSeconds = f64(st.CPUTime())
	r.RSSBytes = f64(float64(st.ResidentMemory()))
	r.Threads = f64(float64(st.NumThreads))
	if n, err := p.FileDescriptorsLen(); err == nil {
		r.OpenFDs = f64(float64(n))
	}
	// /proc/PID/status counts the main thread's switches only: sum the
	// threads for the process's total.
	if ts, err := s.fs.AllThreads(s.pid); err == nil {
		var total float64
		for _, t := range ts {
			if st, err := t.NewStatus(); err == nil {
				total += float64(st.VoluntaryCtxtSwitches + st.NonVoluntaryCtxtSwitches)
			}
		}
		r.CtxSwitches = &total
	}
	return nil
}

func (s *procSource) gone(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("process %d is not running", s.pid)
	}
	return err
}
