package attack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// genTargets is a target generator, like a script piped in: it writes
// "GET base/u/i" lines (then pad) on demand, n of them (0: without end),
// and counts the targets it has produced.
type genTargets struct {
	base     string
	n        int
	pad      string
	produced atomic.Int64
	buf      []byte
}

func (g *genTargets) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) {
		i := int(g.produced.Load())
		if g.n > 0 && i >= g.n {
			break
		}
		g.buf = fmt.Appendf(g.buf, "GET %s/u/%d%s\n", g.base, i, g.pad)
		g.produced.Add(1)
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// seenPaths is a loopback target that records the path of every hit by
// its X-Vegeta-Seq.
func seenPaths(t *testing.T) (string, *sync.Map) {
	var seen sync.Map
	url := loopback(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("X-Vegeta-Seq"), r.URL.Path)
	})
	return url, &seen
}

// TestLazyEachTargetOnce: with a stream, slot after slot takes the next
// target, once; every result names the URL its request went to (no index
// aliases another target); the end of the stream ends the attack, which
// is then complete, not interrupted, with nothing missed.
func TestLazyEachTargetOnce(t *testing.T) {
	for _, client := range []string{ClientFast, ClientNet} {
		t.Run(client, func(t *testing.T) {
			url, seen := seenPaths(t)
			const n = 300
			st, err := NewTargetStream(&genTargets{base: url, n: n}, "gen", FormatHTTP, nil, nil, StreamOptions{Ahead: 16})
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultOptions()
			o.Client = client
			o.Duration = time.Minute // the stream ends it
			a, err := NewScenarios([]Scenario{{Schedule: Constant{Freq: 2000, Per: time.Second}, Stream: st}}, o)
			if err != nil {
				t.Fatal(err)
			}
			targets := map[int]bool{}
			var bad []string
			out := a.Run(context.Background(), func(r *Result) {
				if r.Lazy == nil {
					bad = append(bad, fmt.Sprintf("seq %d: no target", r.Seq))
					return
				}
				targets[r.Target] = true
				want := fmt.Sprintf("%s/u/%d", url, r.Target)
				path, _ := seen.Load(fmt.Sprint(r.Seq))
				if r.Lazy.URL != want || uint64(r.Target) != r.Lazy.Seq || url+fmt.Sprint(path) != want || r.Error != "" {
					bad = append(bad, fmt.Sprintf("seq %d target %d: URL %s, sent to %v, error %q", r.Seq, r.Target, r.Lazy.URL, path, r.Error))
				}
			})
			if len(bad) > 0 {
				t.Fatalf("%d wrong results, first: %s", len(bad), bad[0])
			}
			if out.Sent != n || len(targets) != n || out.TargetsRead != n {
				t.Fatalf("sent %d, %d distinct targets, read %d; want %d each", out.Sent, len(targets), out.TargetsRead, n)
			}
			if !errors.Is(out.StreamEnd, io.EOF) || out.Interrupted || out.Missed != 0 || out.Due != n {
				t.Fatalf("stream end %v, interrupted %v, due %d, missed %d; want EOF, complete, %d due, none missed", out.StreamEnd, out.Interrupted, out.Due, out.Missed, n)
			}
			if out.Sending >= time.Minute {
				t.Fatalf("sending lasted %s: the end of the stream did not end it", out.Sending)
			}
		})
	}
}

// TestLazyReadsBoundedAhead: however long the stream, it is read at most
// Ahead targets ahead of the slots (plus one scanner buffer of lines), so
// memory does not grow with the number of targets.
func TestLazyReadsBoundedAhead(t *testing.T) {
	t.Parallel() // counts only
	url := loopback(t, ok200)
	// Long lines make the read buffer's share of the slack below small
	// (about 300 targets), so n can be a few times that and still catch a
	// stream that reads everything at once, without a long attack.
	const n, ahead = 2000, 64
	pad := "?pad=" + strings.Repeat("p", 250)
	gen := &genTargets{base: url, n: n, pad: pad}
	st, err := NewTargetStream(gen, "gen", FormatHTTP, nil, nil, StreamOptions{Ahead: ahead})
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = time.Minute
	o.MaxWorkers = 8
	a, err := NewScenarios([]Scenario{{Schedule: Constant{}, Stream: st}}, o)
	if err != nil {
		t.Fatal(err)
	}
	// One Read of the scanner's 64 KiB buffer holds at most this many
	// lines of the generator's.
	lineLen := len(fmt.Sprintf("GET %s/u/%d%s\n", url, n, pad))
	slack := int64(ahead + 64<<10/(lineLen-5) + int(o.MaxWorkers) + 1)
	var worst int64
	var sent int64
	out := a.Run(context.Background(), func(r *Result) {
		sent++
		worst = max(worst, gen.produced.Load()-sent)
	})
	if out.Sent != n || !errors.Is(out.StreamEnd, io.EOF) {
		t.Fatalf("sent %d (stream end %v), want all %d", out.Sent, out.StreamEnd, n)
	}
	if worst > slack {
		t.Fatalf("the generator was %d targets ahead of the sends, want at most %d (Ahead %d + a read buffer + workers)", worst, slack, ahead)
	}
}

// TestLazyBadLineStops: a bad target ends the attack with its name:line,
// as vegeta stops on a targeter error; the targets before it were sent.
func TestLazyBadLineStops(t *testing.T) {
	url := loopback(t, ok200)
	src := strings.NewReader("GET " + url + "/a\nGET " + url + "/b\n\nPOST\n")
	st, err := NewTargetStream(src, "targets.txt", FormatHTTP, nil, nil, StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = time.Minute
	a, err := NewScenarios([]Scenario{{Schedule: Constant{Freq: 1000, Per: time.Second}, Stream: st}}, o)
	if err != nil {
		t.Fatal(err)
	}
	out := a.Run(context.Background(), func(*Result) {})
	if out.StreamEnd == nil || !strings.HasPrefix(out.StreamEnd.Error(), "targets.txt:4: ") {
		t.Fatalf("stream end %v, want targets.txt:4: ...", out.StreamEnd)
	}
	if out.Sent != 2 || out.Missed != 0 {
		t.Fatalf("sent %d, missed %d; want the 2 good targets sent", out.Sent, out.Missed)
	}
}

// TestLazySlowProducerIsLate: a slot whose target comes after it was due
// waits for it: it is counted late, and its wait is in its latency.
func TestLazySlowProducerIsLate(t *testing.T) {
	url := loopback(t, ok200)
	pr, pw := io.Pipe()
	st, err := NewTargetStream(pr, "pipe", FormatHTTP, nil, nil, StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		fmt.Fprintf(pw, "GET %s/first\n\n", url) // a blank line ends a target in the http format
		// The second target comes only once a slot waits for it.
		for {
			st.mu.Lock()
			w := st.waiters
			st.mu.Unlock()
			if w > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		fmt.Fprintf(pw, "GET %s/second\n\n", url)
		pw.Close()
	}()
	o := DefaultOptions()
	o.Duration = time.Minute
	a, err := NewScenarios([]Scenario{{Schedule: Constant{Freq: 100, Per: time.Second}, Stream: st}}, o)
	if err != nil {
		t.Fatal(err)
	}
	var lags []time.Duration
	out := a.Run(context.Background(), func(r *Result) { lags = append(lags, r.Latency-r.Service) })
	if out.Sent != 2 || out.TargetsLate != 1 {
		t.Fatalf("sent %d, %d late; want 2 sent, 1 late", out.Sent, out.TargetsLate)
	}
	// Slot 1 was due at 10ms; its target came at least 50ms after a
	// slot began waiting for it, which was after slot 0 was sent.
	if late := max(lags[0], lags[1]); late < 30*time.Millisecond {
		t.Fatalf("the late slot's lag is %s, want its wait for the target (>= 30ms) charged", late)
	}
}

// TestLazyRefusals: a stream is the attack's only targets, read by one
// generator.
func TestLazyRefusals(t *testing.T) {
	url := loopback(t, ok200)
	st, err := NewTargetStream(strings.NewReader("GET "+url+"/\n"), "s", FormatHTTP, nil, nil, StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sched := Constant{Freq: 10, Per: time.Second}
	o := DefaultOptions()
	if _, err := NewScenarios([]Scenario{{Name: "a", Schedule: sched, Stream: st}, {Name: "b", Schedule: sched, Targets: targetsFor(t, url)}}, o); !errors.Is(err, ErrLazy) {
		t.Errorf("two scenarios: %v, want ErrLazy", err)
	}
	o.Shards, o.Shard = 2, 0
	if _, err := NewScenarios([]Scenario{{Schedule: sched, Stream: st}}, o); !errors.Is(err, ErrLazy) {
		t.Errorf("shards: %v, want ErrLazy", err)
	}
	empty, _ := NewTargetStream(strings.NewReader("\n# nothing\n"), "empty", FormatHTTP, nil, nil, StreamOptions{})
	if _, err := NewScenarios([]Scenario{{Schedule: sched, Stream: empty}}, DefaultOptions()); !errors.Is(err, ErrNoTargets) {
		t.Errorf("empty stream: %v, want ErrNoTargets", err)
	}
}

// TestLazyFastClientRefusesLaterHTTPS: the client is chosen from the
// stream's first target; a later target the fast client cannot send fails
// its own request with a message naming the fix, and the others go.
func TestLazyFastClientRefusesLaterHTTPS(t *testing.T) {
	url := loopback(t, ok200)
	// A closed loopback port: the https target is never connected to.
	src := strings.NewReader("GET " + url + "/a\nGET https://127.0.0.1:1/b\nGET " + url + "/c\n")
	st, err := NewTargetStream(src, "s", FormatHTTP, nil, nil, StreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Duration = time.Minute
	a, err := NewScenarios([]Scenario{{Schedule: Constant{Freq: 100, Per: time.Second}, Stream: st}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Client() != ClientFast {
		t.Fatalf("client %s, want fast (the first target is plain http)", a.Client())
	}
	errs := map[string]string{}
	out := a.Run(context.Background(), func(r *Result) { errs[r.Lazy.URL] = r.Error })
	if out.Sent != 3 {
		t.Fatalf("sent %d, want 3", out.Sent)
	}
	if e := errs["https://127.0.0.1:1/b"]; !strings.Contains(e, `Get "https://127.0.0.1:1/b": not plain http://`) || !strings.Contains(e, "net/http client") {
		t.Errorf("https target: error %q", e)
	}
	if errs[url+"/a"] != "" || errs[url+"/c"] != "" {
		t.Errorf("http targets failed: %v", errs)
	}
}
