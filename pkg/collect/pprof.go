package collect

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// pprofSource reads a Go service's net/http/pprof: CPU over the whole
// attack in consecutive windows, heap at the end, allocs/mutex/block as
// deltas over the attack, and goroutines at their peak.
type pprofSource struct {
	base  string
	f     *fetcher
	cfg   Config
	notes Notes

	mu       sync.Mutex
	inAttack bool
	peak     *profile.Profile
	peakN    int64
	start    map[string]*profile.Profile // snapshots at the start of the attack
	startErr map[string]error
	windows  int              // CPU windows written
	merged   *profile.Profile // the windows so far, merged
	writeErr []error
	pdir     string   // profiles/ in the run directory
	answered bool     // some request succeeded: the endpoint is alive
	written  []string // profiles written, relative to the run directory

	stop     chan struct{} // closed by End: no new CPU window
	cpuDone  chan struct{}
	snapDone chan struct{}
	cancel   context.CancelFunc
}

// deltaProfiles are cumulative in the target: loadgen subtracts a snapshot
// taken at the start of the attack from one taken at its end.
var deltaProfiles = []string{"allocs", "mutex", "block"}

func newPprofSource(base string, f *fetcher, cfg Config, notes Notes) *pprofSource {
	return &pprofSource{base: strings.TrimRight(base, "/"), f: f, cfg: cfg, notes: notes}
}

func (s *pprofSource) Name() string { return "pprof " + s.base }

// Sample reads the goroutine profile: it gives the goroutine count, and
// the largest one seen during the attack is kept as goroutine.pb.gz.
func (s *pprofSource) Sample(ctx context.Context, r *Reading) error {
	p, err := s.fetch(ctx, "goroutine")
	if err != nil {
		return err
	}
	var n int64
	for _, smp := range p.Sample {
		if len(smp.Value) > 0 {
			n += smp.Value[0]
		}
	}
	r.Goroutines = f64(float64(n))
	s.mu.Lock()
	s.answered = true
	if s.inAttack && (s.peak == nil || n > s.peakN) {
		s.peak, s.peakN = p, n
	}
	s.mu.Unlock()
	return nil
}

// fetch gets and parses one named profile.
func (s *pprofSource) fetch(ctx context.Context, name string) (*profile.Profile, error) {
	body, _, err := s.f.get(ctx, s.base+"/"+name, "")
	if err == nil {
		var p *profile.Profile
		if p, err = parseProfile(body, s.cfg.MaxBytes); err == nil {
			return p, nil
		}
	}
	if errors.Is(err, errTooLarge) {
		ce := &cutError{err: fmt.Errorf("%s profile: %w", name, err)}
		if body != nil { // it was the inflated size
			ce.what = iec(int64(len(body))) + " on the wire"
		}
		return nil, ce
	}
	return nil, fmt.Errorf("%s profile: %w", name, err)
}

// inflate reads zr whole, up to limit bytes. With the size its trailer
// gives, one exact buffer holds it; when the trailer lies (several gzip
// members) it reads on in chunks and joins them once, so memory stays
// within twice what was inflated (doubling a buffer would reach four
// times).
func inflate(zr io.Reader, size, limit int64) ([]byte, error) {
	cr := &cappedReader{r: zr, max: limit}
	first := int64(1 << 20)
	if size >= 0 {
		first = size + 1 // a truthful trailer ends in a short read
	}
	var chunks [][]byte
	total := 0
	for n := first; ; n = 1 << 20 {
		c := make([]byte, n)
		k, err := io.ReadFull(cr, c)
		total += k
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if chunks == nil {
				return c[:k], nil
			}
			return bytes.Join(append(chunks, c[:k]), nil)[:total], nil
		case errors.Is(err, errTooLarge):
			return nil, fmt.Errorf("%w: inflates past the %s cap", errTooLarge, iec(limit))
		case err != nil:
			return nil, fmt.Errorf("not a pprof profile: inflating: %w", err)
		}
		chunks = append(chunks, c)
	}
}

// parseProfile parses a pprof profile, inflating a gzipped one through
// the size cap first: profile.ParseData inflates without a limit, so a
// 1 MB download could become gigabytes.
func parseProfile(data []byte, limit int64) (*profile.Profile, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		size := int64(-1)
		if len(data) >= 18 {
			// gzip's trailer holds the inflated size (mod 2^32): a bomb
			// usually says what it is before a byte is inflated.
			size = int64(binary.LittleEndian.Uint32(data[len(data)-4:]))
			if size > limit {
				return nil, fmt.Errorf("%w: inflates to %s, over the %s cap", errTooLarge, iec(size), iec(limit))
			}
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("not a pprof profile: %w", err)
		}
		out, err := inflate(zr, size, limit)
		if err != nil {
			return nil, err
		}
		data = out
	}
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, fmt.Errorf("not a pprof profile (%d bytes starting %q): %w", len(data), snippet(data[:min(len(data), 16)]), err)
	}
	return p, nil
}

func (s *pprofSource) Begin(planned time.Duration, dir string) {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.inAttack = true
	s.pdir = filepath.Join(dir, runrecord.ProfilesDir)
	s.cancel = cancel
	s.stop = make(chan struct{})
	s.cpuDone = make(chan struct{})
	s.snapDone = make(chan struct{})
	s.start = map[string]*profile.Profile{}
	s.startErr = map[string]error{}
	s.mu.Unlock()
	go s.cpuLoop(ctx, planned)
	go func() {
		defer close(s.snapDone)
		for _, name := range deltaProfiles {
			sctx, c := context.WithTimeout(ctx, s.cfg.Timeout)
			p, err := s.fetch(sctx, name)
			c()
			s.mu.Lock()
			s.start[name], s.startErr[name] = p, err
			s.answered = s.answered || err == nil
			s.mu.Unlock()
		}
	}()
}

// windowPlan splits the planned attack into equal whole-second windows of
// at most maxWin (pprof's seconds= is an integer).
func windowPlan(planned, maxWin time.Duration) int {
	mw := max(1, int(maxWin/time.Second))
	if planned <= 0 {
		return mw
	}
	total := math.Ceil(planned.Seconds())
	k := math.Ceil(total / float64(mw))
	return max(1, int(math.Ceil(total/k)))
}

// cpuLoop covers the attack with consecutive CPU profile windows until
// End (or, with a planned length, until that has passed).
func (s *pprofSource) cpuLoop(ctx context.Context, planned time.Duration) {
	defer close(s.cpuDone)
	win := windowPlan(planned, s.cfg.CPUWindow)
	deadline := time.Now().Add(planned)
	for n := 1; ; {
		select {
		case <-s.stop:
			return
		default:
		}
		secs := win
		if planned > 0 {
			left := time.Until(deadline)
			if n > 1 && left < 500*time.Millisecond {
				return
			}
			secs = max(1, min(win, int(math.Ceil(left.Seconds()))))
		}
		t0 := time.Now()
		wctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+s.cfg.Timeout)
		body, _, err := s.f.getLong(wctx, fmt.Sprintf("%s/profile?seconds=%d", s.base, secs))
		cancel()
		took := time.Since(t0)
		var se *statusError
		switch {
		case err != nil && ctx.Err() != nil:
			s.notes.Warn("pprof: CPU window %d (%ds) abandoned when the run was aborted; the CPU profile misses it", n, secs)
			return
		case err != nil && errors.As(err, &se) && se.code == 400 && strings.Contains(se.body, "WriteTimeout") && secs > 1:
			// Go's handler before 1.23 refuses windows at or over its
			// server's WriteTimeout: halve until it fits.
			win = secs / 2
			s.notes.Warn("pprof: the target's server WriteTimeout is at most %ds: CPU windows shortened to %ds", secs, win)
			continue
		case err != nil && se == nil && !errors.Is(err, errTooLarge) && !errors.Is(err, context.DeadlineExceeded) && secs > 1:
			// The connection broke: most likely a write timeout (the
			// server's, or a proxy's) shorter than the window. Halve.
			win = secs / 2
			s.notes.Warn("pprof: a %ds CPU window broke after %s (%v), a write timeout shorter than the window?: CPU windows shortened to %ds; the profile misses that time", secs, took.Round(100*time.Millisecond), err, win)
			s.pause(took)
			continue
		case err != nil:
			s.notes.Warn("pprof: CPU window failed: %v", err)
			s.pause(took)
			continue
		}
		p, err := parseProfile(body, s.cfg.MaxBytes)
		if err != nil {
			s.notes.Warn("pprof: CPU window: %v", err)
			s.pause(took)
			continue
		}
		s.addWindow(p)
		n++
	}
}

// addWindow writes a CPU window at once (so a crash keeps it) and folds it
// into the merge (so memory holds one profile, not every window).
//
// windows, merged and writeErr belong to cpuLoop until it closes cpuDone
// (End reads them only after that), so the synced write and the merge run
// without s.mu, which Sample takes every interval.
func (s *pprofSource) addWindow(p *profile.Profile) {
	s.mu.Lock()
	s.answered = true
	s.mu.Unlock()
	s.windows++
	err := os.MkdirAll(s.pdir, 0o755)
	if err == nil {
		name := fmt.Sprintf("cpu-%03d.pb.gz", s.windows)
		if err = writeProfile(filepath.Join(s.pdir, name), p); err == nil {
			s.wrote(name)
		}
	}
	if err != nil {
		s.writeErr = append(s.writeErr, fmt.Errorf("profiles: %w", err))
	}
	if s.merged == nil {
		s.merged = p
		return
	}
	m, err := profile.Merge([]*profile.Profile{s.merged, p})
	if err != nil {
		s.notes.Warn("pprof: CPU window %d does not merge with the others (left out of cpu.pb.gz): %v", s.windows, err)
		return
	}
	s.merged = m
}

// pause keeps a failing endpoint from being hammered: at least a second
// between failed windows, unless End comes first.
func (s *pprofSource) pause(took time.Duration) {
	if took >= time.Second {
		return
	}
	t := time.NewTimer(time.Second - took)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.stop:
	}
}

// End waits for the CPU window in flight (bounded by ctx), takes the end
// snapshots and writes the rest of profiles/*.pb.gz.
func (s *pprofSource) End(ctx context.Context) error {
	s.mu.Lock()
	if s.stop == nil {
		s.mu.Unlock()
		return nil
	}
	s.inAttack = false
	close(s.stop)
	s.mu.Unlock()
	select {
	case <-s.cpuDone:
	case <-ctx.Done():
		s.cancel()
		<-s.cpuDone
	}
	<-s.snapDone
	defer s.cancel()

	s.mu.Lock()
	merged, answered, pdir := s.merged, s.answered, s.pdir
	errs := s.writeErr
	s.mu.Unlock()
	if !answered {
		// Nothing ever came back: one warning (the readings' own says
		// why), not one per profile after as many timeouts.
		s.notes.Warn("pprof: no profiles: the endpoint never answered with one")
		return nil
	}
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return fmt.Errorf("profiles: %w", err)
	}
	write := func(name string, p *profile.Profile) {
		if err := writeProfile(filepath.Join(pdir, name), p); err != nil {
			errs = append(errs, err)
			return
		}
		s.wrote(name)
	}
	if merged == nil {
		s.notes.Warn("pprof: no CPU profile window completed: no cpu.pb.gz")
	} else {
		write(runrecord.ProfileCPU, merged)
	}

	// End snapshots, in one context so a dead target costs one timeout
	// per profile at most, and not after an abort.
	get := func(name string) *profile.Profile {
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		defer cancel()
		if ctx.Err() != nil {
			return nil
		}
		p, err := s.fetch(gctx, name)
		if err != nil {
			s.notes.Warn("pprof: %v", err)
			return nil
		}
		return p
	}
	if p := get("heap"); p != nil {
		write(runrecord.ProfileHeap, p)
	}
	for _, name := range deltaProfiles {
		end := get(name)
		if end == nil {
			continue
		}
		if name != "allocs" && len(end.Sample) == 0 {
			s.notes.ProfileOff(name)
			continue
		}
		s.mu.Lock()
		start, serr := s.start[name], s.startErr[name]
		s.mu.Unlock()
		if start == nil {
			s.notes.Warn("pprof: %s.pb.gz is cumulative since the target started: the snapshot at the attack's start failed: %v", name, serr)
			write(name+".pb.gz", end)
			continue
		}
		d, err := Delta(start, end)
		if err != nil {
			s.notes.Warn("pprof: %s delta: %v", name, err)
			continue
		}
		write(name+".pb.gz", d)
	}

	s.mu.Lock()
	peak := s.peak
	s.mu.Unlock()
	if peak == nil {
		peak = get("goroutine")
	}
	if peak != nil {
		write(runrecord.ProfileGoroutine, peak)
	}
	return errors.Join(errs...)
}

// wrote notes a profile written under profiles/.
func (s *pprofSource) wrote(name string) {
	s.mu.Lock()
	s.written = append(s.written, runrecord.ProfilesDir+"/"+name)
	s.mu.Unlock()
}

// files are the profiles written, relative to the run directory.
func (s *pprofSource) files() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.written)
}

// Delta is end minus start for cumulative profiles. Sample types that are
// cumulative (alloc_*, contentions, delay) are subtracted; in-use types
// (inuse_*) are a state, not a count, and come from end alone: scaling the
// whole start profile by -1 would subtract in-use memory too.
func Delta(start, end *profile.Profile) (*profile.Profile, error) {
	s := start.Copy()
	ratios := make([]float64, len(s.SampleType))
	for i, st := range s.SampleType {
		ratios[i] = -1
		if strings.HasPrefix(st.Type, "inuse_") {
			ratios[i] = 0
		}
	}
	if err := s.ScaleN(ratios); err != nil {
		return nil, err
	}
	d, err := profile.Merge([]*profile.Profile{end, s})
	if err != nil {
		return nil, err
	}
	if start.TimeNanos > 0 && end.TimeNanos > start.TimeNanos {
		d.TimeNanos = start.TimeNanos
		d.DurationNanos = end.TimeNanos - start.TimeNanos
	}
	return d, nil
}

func writeProfile(path string, p *profile.Profile) error {
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil { // gzipped protobuf
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return runrecord.WriteFile(path, buf.Bytes())
}
