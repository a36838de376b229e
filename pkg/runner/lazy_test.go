package runner

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// TestLazyRecordNamesEachHit: with targets read as the attack goes, many
// thousands of unique URLs (more than the stream reads ahead, so its ring
// wraps many times), every exemplar and every group names the URL its
// request went to, never another target's; groups stay within the limit;
// the summary says the stream ran out and ended the run.
func TestLazyRecordNamesEachHit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A few chosen requests are slow, so they are the exemplars.
		if id, _ := strconv.Atoi(r.URL.Query().Get("id")); id%997 == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}))
	defer srv.Close()
	const n = 5000
	pr, pw := io.Pipe()
	go func() {
		for i := range n {
			path := "/items/" + strconv.Itoa(i)
			if i%2 == 0 {
				path = "/search"
			}
			fmt.Fprintf(pw, "GET %s%s?id=%d\n", srv.URL, path, i)
		}
		pw.Close()
	}()
	o := attack.DefaultOptions()
	o.Duration = time.Minute // the stream ends it
	o.MaxWorkers = 32
	sched, err := attack.ParseRate("0")
	if err != nil {
		t.Fatal(err)
	}
	p := Plan{
		Lazy:     &LazyTargets{Src: pr, Name: "gen", Format: attack.FormatHTTP, Ahead: 64},
		Schedule: sched,
		Options:  o,
		Out:      filepath.Join(t.TempDir(), "run"),
	}
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if s.Requests != n || s.Stream == nil || s.Stream.Read != n || s.Stream.Ended != runrecord.StreamEnded {
		t.Fatalf("%d requests, stream %+v; want %d, all read, ended by the stream", s.Requests, s.Stream, n)
	}
	exemplars, err := runrecord.ReadExemplars(p.Out)
	if err != nil {
		t.Fatal(err)
	}
	if len(exemplars) == 0 {
		t.Fatal("no exemplars")
	}
	for _, e := range append(exemplars, s.Exemplars...) {
		// Target i was the i-th read and, nothing dropped, went out as slot i.
		id := ":" + strconv.FormatUint(e.Seq, 10)
		if !strings.HasSuffix(e.Target, "?id="+id[1:]) {
			t.Fatalf("exemplar seq %d names %s, another target", e.Seq, e.Target)
		}
		// Its group matches its own URL: exact, or with the query value
		// (*) and the id-like segment ({id}) folded, as far as the online
		// grouping had folded when the target was read.
		if !groupMatches(e.Group, e.Target) {
			t.Fatalf("exemplar %s is in group %q", e.Target, e.Group)
		}
	}
	var total uint64
	for _, g := range s.Groups {
		total += g.Requests
		if g.Requests == 0 {
			t.Errorf("group %q without requests is reported", g.Name)
		}
	}
	if total != n || len(s.Groups) > 64 || s.GroupFolding == nil {
		t.Fatalf("groups hold %d of %d requests in %d groups, folding %+v", total, n, len(s.Groups), s.GroupFolding)
	}
	// groups.hlog, whose groups were made during the run, has every
	// group's histograms under the tag run.json gives it, and names each
	// group in a comment before its first line.
	byTag := map[string]uint64{}
	for _, g := range s.Groups {
		byTag[g.Tag] = g.Requests
	}
	f, err := os.Open(filepath.Join(p.Out, runrecord.GroupsLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := runrecord.NewGroupHlogReader(f, "groups.hlog", func(series string) bool { return series == "" })
	counted := map[string]uint64{}
	for {
		_, _, gs, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range gs {
			counted[runrecord.GroupTag(i)] += uint64(g.Latency.TotalCount())
		}
	}
	if len(counted) != len(s.Groups) {
		t.Errorf("groups.hlog has %d groups, run.json %d", len(counted), len(s.Groups))
	}
	for tag, c := range counted {
		if byTag[tag] != c {
			t.Errorf("groups.hlog %s holds %d requests, run.json says %d", tag, c, byTag[tag])
		}
	}
	b, err := os.ReadFile(filepath.Join(p.Out, runrecord.GroupsLog))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range s.Groups {
		if !strings.Contains(string(b), "[group "+g.Tag+": "+strconv.Quote(g.Name)+"]") {
			t.Errorf("groups.hlog does not name %s %q", g.Tag, g.Name)
		}
	}
}

// groupMatches reports whether group (like "GET /items/{id}?id=*") names
// target (like "GET http://127.0.0.1:80/items/39?id=39"): its path and
// query, with {id} standing for one path segment and * for one value.
func groupMatches(group, target string) bool {
	method, pattern, ok := strings.Cut(group, " ")
	if !ok || !strings.HasPrefix(target, method+" ") {
		return false
	}
	u, err := url.Parse(strings.TrimPrefix(target, method+" "))
	if err != nil {
		return false
	}
	re := regexp.QuoteMeta(pattern)
	re = strings.ReplaceAll(re, regexp.QuoteMeta("{id}"), "[^/?]+")
	re = strings.ReplaceAll(re, regexp.QuoteMeta("*"), "[^&]*")
	return regexp.MustCompile("^" + re + "$").MatchString(u.RequestURI())
}
