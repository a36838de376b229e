package main

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
)

// gcOff reads whether the collector is off now, without changing it.
func gcOff() bool {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64() == math.MaxUint64 // GOGC=off reads as -1
}

func skipIfUserSetGC(t *testing.T) {
	t.Helper()
	if userSetGC() {
		t.Skip("GOGC or GOMEMLIMIT is set: the relief leaves them alone")
	}
}

// TestStartGCRelievesAndRestores: the collector is off, with a finite
// memory limit, from relieve to restore, and then as it was.
func TestStartGCRelievesAndRestores(t *testing.T) {
	skipIfUserSetGC(t)
	limit := debug.SetMemoryLimit(-1) // a negative limit only reads it
	var g startGC
	g.relieve()
	if !gcOff() {
		t.Error("the collector is on after relieve")
	}
	if l := debug.SetMemoryLimit(-1); l == limit || l > limit {
		t.Errorf("memory limit %d during the relief, want one below %d", l, limit)
	}
	g.restore()
	if gcOff() {
		t.Error("the collector is still off after restore")
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("memory limit %d after restore, want %d back", l, limit)
	}
	g.restore() // once: a second call (the timer's) changes nothing
	if gcOff() {
		t.Error("a second restore turned the collector off")
	}
}

// TestStartGCLeavesTheUsersSetting: GOGC in the environment, or a relief
// already in place, is left as it is.
func TestStartGCLeavesTheUsersSetting(t *testing.T) {
	skipIfUserSetGC(t)
	t.Run("GOGC", func(t *testing.T) {
		t.Setenv("GOGC", "100")
		var g startGC
		g.relieve()
		defer g.restore()
		if gcOff() {
			t.Error("relieve turned the collector off despite GOGC")
		}
	})
	t.Run("already off", func(t *testing.T) {
		prev := debug.SetGCPercent(-1)
		defer debug.SetGCPercent(prev)
		var g startGC
		g.relieve()
		g.restore()
		if !gcOff() {
			t.Error("a relief that found the collector off turned it on")
		}
	})
}

// TestAttackStartsWithTheCollectorOff: `loadgen attack` runs its first
// requests with the collector off, and leaves it on.
func TestAttackStartsWithTheCollectorOff(t *testing.T) {
	skipIfUserSetGC(t)
	isolateHistory(t)
	var first, seen atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !seen.Swap(true) {
			first.Store(gcOff())
		}
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	args := []string{"attack", "-rate", "20", "-duration", "200ms", "-url", srv.URL, "-out", filepath.Join(t.TempDir(), "r")}
	if code := run(args, &out, &errb); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !seen.Load() || !first.Load() {
		t.Errorf("first request seen %v, with the collector off %v; want both", seen.Load(), first.Load())
	}
	if gcOff() {
		t.Error("the collector is off after the attack")
	}
}
