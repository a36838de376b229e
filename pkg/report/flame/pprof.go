package flame

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/pprof/driver"
	"github.com/google/pprof/profile"
)

// pprofRun is one in-process invocation of google/pprof's driver, fed from
// memory: the profiles come from a Fetcher, flags from a private flag set,
// output files into buffers. The driver keeps its settings in package-level
// state, so invocations in one process must not overlap: run holds
// driverMu for the driver's whole invocation.
type pprofRun struct {
	args     []string                    // pprof command line, without sources
	profiles map[string]*profile.Profile // source name -> profile
	sources  []string                    // in order; "-diff_base=" sources are given in args
	outputs  map[string]*bytes.Buffer
	errs     []string
	server   func(*driver.HTTPServerArgs) error
}

// driverMu serializes google/pprof driver invocations in this process: the
// driver writes package-level variables (its interactive mode, its session
// settings) on every call, so two HTML reports rendered at once raced
// there. It guards that library's state, not any of this package's.
var driverMu sync.Mutex

func (r *pprofRun) run() error {
	driverMu.Lock()
	defer driverMu.Unlock()
	return r.runLocked()
}

// runLocked is run for a caller that holds driverMu.
func (r *pprofRun) runLocked() error {
	if r.outputs == nil {
		r.outputs = map[string]*bytes.Buffer{}
	}
	// pprof's driver starts every invocation from the settings the last one
	// left (it is a session, for its interactive mode), so each setting
	// loadgen ever changes is given here explicitly; later flags win.
	args := append([]string{"-sample_index=", "-nodecount=-1", "-output="}, r.args...)
	fs := &pprofFlags{fs: flag.NewFlagSet("pprof", flag.ContinueOnError), args: append(args, r.sources...)}
	fs.fs.SetOutput(io.Discard)
	err := driver.PProf(&driver.Options{
		Flagset:    fs,
		Fetch:      r,
		Writer:     r,
		UI:         r,
		HTTPServer: r.server,
		// Profiles in run records come from Go programs that symbolize
		// themselves; never look for binaries or call out to addr2line.
		Sym: noSymbolizer{},
		// Nor for objdump: without an ObjTool pprof's driver falls back to
		// its binutils, which starts llvm-objdump/objdump processes to find
		// a usable one on each run (9% of the CLI tests' CPU). The binaries
		// are the target's, on another machine: disassembly has nothing to
		// read here.
		Obj: noObjTool{},
	})
	if err != nil {
		if len(r.errs) > 0 {
			return fmt.Errorf("pprof: %w (%s)", err, strings.Join(r.errs, "; "))
		}
		return fmt.Errorf("pprof: %w", err)
	}
	if fs.usageCalled {
		return fmt.Errorf("pprof: bad arguments %q", fs.args)
	}
	return nil
}

// Fetch implements driver.Fetcher from the in-memory profiles. The driver
// modifies what it fetches, so each fetch gets a copy. It names no source
// URL: the driver takes a named source for a remote one and saves a copy
// of the profile into $PPROF_TMPDIR ($HOME/pprof) on every render.
func (r *pprofRun) Fetch(src string, _, _ time.Duration) (*profile.Profile, string, error) {
	p, ok := r.profiles[src]
	if !ok {
		return nil, "", fmt.Errorf("no profile %q", src)
	}
	return p.Copy(), "", nil
}

// Open implements driver.Writer: named outputs go to buffers.
func (r *pprofRun) Open(name string) (io.WriteCloser, error) {
	b := &bytes.Buffer{}
	r.outputs[name] = b
	return nopCloser{b}, nil
}

// The driver.UI methods: nothing is interactive; errors are kept for the
// returned error.
func (r *pprofRun) ReadLine(string) (string, error) { return "", io.EOF }
func (r *pprofRun) Print(...any)                    {}
func (r *pprofRun) PrintErr(a ...any) {
	r.errs = append(r.errs, strings.TrimSpace(fmt.Sprint(a...)))
}
func (r *pprofRun) IsTerminal() bool                    { return false }
func (r *pprofRun) WantBrowser() bool                   { return false }
func (r *pprofRun) SetAutoComplete(func(string) string) {}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

type noSymbolizer struct{}

func (noSymbolizer) Symbolize(string, driver.MappingSources, *profile.Profile) error { return nil }

// noObjTool implements driver.ObjTool without object files: run records
// hold profiles, not the target's binaries.
type noObjTool struct{}

var errNoBinaries = errors.New("no binaries: a run record keeps profiles only")

func (noObjTool) Open(string, uint64, uint64, uint64, string) (driver.ObjFile, error) {
	return nil, errNoBinaries
}

func (noObjTool) Disasm(string, uint64, uint64, bool) ([]driver.Inst, error) {
	return nil, errNoBinaries
}

// pprofFlags implements driver.FlagSet over a private flag.FlagSet (pprof's
// own implementation uses the process-wide flag.CommandLine).
type pprofFlags struct {
	fs          *flag.FlagSet
	args        []string
	extra       []string
	usageCalled bool
}

func (f *pprofFlags) Bool(n string, d bool, u string) *bool          { return f.fs.Bool(n, d, u) }
func (f *pprofFlags) Int(n string, d int, u string) *int             { return f.fs.Int(n, d, u) }
func (f *pprofFlags) Float64(n string, d float64, u string) *float64 { return f.fs.Float64(n, d, u) }
func (f *pprofFlags) String(n, d, u string) *string                  { return f.fs.String(n, d, u) }
func (f *pprofFlags) StringList(n, d, u string) *[]*string {
	return &[]*string{f.fs.String(n, d, u)}
}
func (f *pprofFlags) ExtraUsage() string      { return strings.Join(f.extra, "\n") }
func (f *pprofFlags) AddExtraUsage(eu string) { f.extra = append(f.extra, eu) }
func (f *pprofFlags) Parse(usage func()) []string {
	if err := f.fs.Parse(f.args); err != nil || f.fs.NArg() == 0 {
		f.usageCalled = true
		usage()
		return nil
	}
	return f.fs.Args()
}

// pprofHandlers runs pprof's web UI for p (with base as -diff_base when
// not nil) and returns its HTTP handlers without serving them: the caller
// decides where they are served, or renders pages from them in-process.
func pprofHandlers(p, base *profile.Profile, extra ...string) (map[string]http.Handler, error) {
	driverMu.Lock()
	defer driverMu.Unlock()
	return pprofHandlersLocked(p, base, extra...)
}

// pprofHandlersLocked is pprofHandlers for a caller that holds driverMu.
func pprofHandlersLocked(p, base *profile.Profile, extra ...string) (map[string]http.Handler, error) {
	var handlers map[string]http.Handler
	r := &pprofRun{
		args:     append([]string{"-http=127.0.0.1:0", "-no_browser"}, extra...),
		profiles: map[string]*profile.Profile{"profile": p},
		sources:  []string{"profile"},
		server: func(a *driver.HTTPServerArgs) error {
			handlers = a.Handlers
			return nil
		},
	}
	if base != nil {
		r.profiles["base"] = base
		r.args = append(r.args, "-diff_base=base")
	}
	if err := r.runLocked(); err != nil {
		return nil, err
	}
	if handlers == nil {
		return nil, errors.New("pprof: web UI did not start")
	}
	return handlers, nil
}

// pprofPage renders one page of pprof's web UI (like "/flamegraph") for p,
// in-process. The page is self-contained: pprof inlines its CSS and JS.
func pprofPage(page string, p, base *profile.Profile, extra ...string) ([]byte, error) {
	// The handlers render from the driver's process-wide settings (its
	// current config, sample index included), which the next invocation
	// rewrites: a flame graph served after another render had begun came
	// out with that render's settings ("sample_index alloc_space must be
	// one of: samples cpu", the HTML tests on a busy box). So the page is
	// served under the same lock as the invocation that made it.
	driverMu.Lock()
	defer driverMu.Unlock()
	hs, err := pprofHandlersLocked(p, base, extra...)
	if err != nil {
		return nil, err
	}
	h, ok := hs[page]
	if !ok {
		return nil, fmt.Errorf("pprof has no page %s", page)
	}
	req, err := http.NewRequest(http.MethodGet, page, nil)
	if err != nil {
		return nil, err
	}
	w := &pageWriter{header: http.Header{}, code: http.StatusOK}
	h.ServeHTTP(w, req)
	if w.code != http.StatusOK {
		return nil, fmt.Errorf("pprof %s: %d %s", page, w.code, strings.TrimSpace(w.body.String()))
	}
	return w.body.Bytes(), nil
}

// pageWriter captures one response of a pprof handler called in-process.
type pageWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (w *pageWriter) Header() http.Header         { return w.header }
func (w *pageWriter) Write(b []byte) (int, error) { return w.body.Write(b) }
func (w *pageWriter) WriteHeader(code int)        { w.code = code }

// Top is pprof's own "top" table for p (sample index "" = the
// profile's default), the text `go tool pprof -top` prints.
func Top(p *profile.Profile, n int, sampleIndex string) (string, error) {
	r := &pprofRun{
		args:     []string{"-top", fmt.Sprintf("-nodecount=%d", n), "-output=top"},
		profiles: map[string]*profile.Profile{"profile": p},
		sources:  []string{"profile"},
	}
	if sampleIndex != "" {
		r.args = append(r.args, "-sample_index="+sampleIndex)
	}
	if err := r.run(); err != nil {
		return "", err
	}
	b, ok := r.outputs["top"]
	if !ok {
		return "", errors.New("pprof -top wrote nothing")
	}
	return b.String(), nil
}

// serverOnly hides the parts of a pprof page that need pprof's server
// (its menus link to other server pages: top, graph, source, config,
// download). Zooming, search and the details line work inside a report;
// Serve gives the full UI.
const serverOnly = `<style>.header .menu-item, #action-menu a[href], .header .title a { display: none; }</style>`

// Embeddable renders pprof's flame graph page of p (minus base, when not
// nil) as a complete, self-contained HTML page fit for an iframe's srcdoc:
// pprof inlines its own CSS and JS. sampleIndex "" is the profile's default.
func Embeddable(p, base *profile.Profile, sampleIndex string) (string, error) {
	var extra []string
	if sampleIndex != "" {
		extra = append(extra, "-sample_index="+sampleIndex)
	}
	b, err := pprofPage("/flamegraph", p, base, extra...)
	if err != nil {
		return "", err
	}
	return strings.Replace(string(b), "</head>", serverOnly+"</head>", 1), nil
}
