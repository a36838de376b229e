package attack

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// TestHotPathSyscallsAreRaw: the syscalls made on every hit (the liveness
// peek, socket reads and writes, arming the timer) go through
// RawSyscall, never Syscall or an x/sys wrapper built on it. Syscall's
// entersyscall wakes the sysmon thread through a futex whenever the
// process was idle, which an open-loop generator is between most hits:
// one such call per hit doubled loadgen's CPU per request at 5,000 req/s
// (BENCHMARKS.md). A timing test could not hold this on a busy box; the
// source can.
func TestHotPathSyscallsAreRaw(t *testing.T) {
	hot := map[string][]string{ // file: functions (methods by name)
		"peek_linux.go":    {"check"},
		"rawio_linux.go":   {"read", "write"},
		"timerfd_linux.go": {"arm", "settime"},
	}
	// Pure helpers of x/sys and syscall that make no syscall.
	pure := map[string]bool{"NsecToTimespec": true}
	for file, funcs := range hot {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !slices.Contains(funcs, fd.Name.Name) {
				continue
			}
			found[fd.Name.Name] = true
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, ok := sel.X.(*ast.Ident)
				if !ok || (pkg.Name != "syscall" && pkg.Name != "unix") {
					return true
				}
				if !strings.HasPrefix(sel.Sel.Name, "Raw") && !pure[sel.Sel.Name] {
					t.Errorf("%s: %s calls %s.%s on every hit: use syscall.RawSyscall (see the comment in peek_linux.go)",
						fset.Position(call.Pos()), fd.Name.Name, pkg.Name, sel.Sel.Name)
				}
				return true
			})
		}
		for _, fn := range funcs {
			if !found[fn] {
				t.Errorf("%s: no function %s: update this test's list of hot paths", file, fn)
			}
		}
	}
}
