package runner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/groups"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// Which endpoint is slow: a loopback server answers /fast after 1 ms and
// /slow after 100 ms. In one run, each group's median is at least its own
// service time and the fast one's is below the slow one's, the run's lies
// between them, and an SLO on the slow group fails while the same bound on
// the fast group passes. (Bounds from below and orderings only: a loaded
// box slows requests, it cannot speed them up.)
func TestWhichEndpointIsSlow(t *testing.T) {
	// Not parallel: the fast group's p50 must stay under the bound the
	// slow group's breaks, which sibling tests under -race can push past.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := time.Millisecond
		if r.URL.Path == "/slow" {
			d = 100 * time.Millisecond
		}
		time.Sleep(d)
	}))
	defer srv.Close()
	p := plan(t, srv.URL+"/fast", "40", 500*time.Millisecond, nil)
	tgts, err := attack.TargetsFromURLs([]string{srv.URL + "/fast", srv.URL + "/slow", srv.URL + "/fast"}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Targets = tgts
	if p.SLO, err = slo.Parse(`p50{group="GET /slow"}<100ms,p50{group="GET /fast"}<100ms,success>=99%`); err != nil {
		t.Fatal(err)
	}
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if len(s.Groups) != 2 {
		t.Fatalf("groups %+v", s.Groups)
	}
	fast, slow := s.Groups[0], s.Groups[1]
	if fast.Name != "GET /fast" || slow.Name != "GET /slow" || fast.Targets != 2 || slow.Targets != 1 {
		t.Fatalf("groups %q (%d targets), %q (%d)", fast.Name, fast.Targets, slow.Name, slow.Targets)
	}
	if d := int(fast.Requests) - 2*int(slow.Requests); fast.Requests+slow.Requests != s.Requests || d < -1 || d > 1 {
		t.Errorf("requests: fast %d slow %d run %d", fast.Requests, slow.Requests, s.Requests)
	}
	if fast.ServiceLatency.P50 < time.Millisecond || slow.ServiceLatency.P50 < 100*time.Millisecond || fast.Latency.P50 >= slow.Latency.P50 {
		t.Errorf("p50: fast %v (service %v), slow %v (service %v)", fast.Latency.P50, fast.ServiceLatency.P50, slow.Latency.P50, slow.ServiceLatency.P50)
	}
	if s.Latency.P50 < fast.Latency.P50 || s.Latency.P50 > slow.Latency.P50 || s.Latency.Mean <= fast.Latency.Mean || s.Latency.Mean >= slow.Latency.Mean {
		t.Errorf("run p50 %v mean %v: not between fast (%v, %v) and slow (%v, %v)", s.Latency.P50, s.Latency.Mean,
			fast.Latency.P50, fast.Latency.Mean, slow.Latency.P50, slow.Latency.Mean)
	}
	c := s.SLO.Checks
	if s.SLO.Pass || c[0].Pass || !c[1].Pass || !c[2].Pass {
		t.Errorf("SLO %+v: want the slow group's check to fail and the fast group's to pass", s.SLO)
	}
	// The record has each group's intervals, and a report reads them back.
	if _, err := os.Stat(filepath.Join(p.Out, runrecord.GroupsLog)); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Load(p.Out)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := rep.GroupIntervals()
	if err != nil || len(pts) != 2 {
		t.Fatalf("group intervals %d %v", len(pts), err)
	}
	var n int64
	for _, pt := range pts[1].Intervals {
		n += pt.Count
	}
	if n != int64(slow.Requests) {
		t.Errorf("the slow group's intervals hold %d requests, its summary %d", n, slow.Requests)
	}
}

// An SLO on a group the plan does not have is refused before any traffic,
// naming the groups it has; so is a bad group name from a targets file.
func TestPlanGroupErrors(t *testing.T) {
	t.Parallel()
	p := plan(t, "http://127.0.0.1:1/a", "10", time.Second, nil)
	p.SLO, _ = slo.Parse("p99{group=orders}<10ms")
	var pe *PlanError
	if _, err := Execute(context.Background(), p); !errors.As(err, &pe) || !errors.Is(err, ErrUnknownGroup) {
		t.Fatalf("unknown group: %v", err)
	}
	p.SLO = nil
	p.TargetGroups = []string{"other"}
	if _, err := Execute(context.Background(), p); !errors.As(err, &pe) || !errors.Is(err, groups.ErrBadName) {
		t.Fatalf("bad group name: %v", err)
	}
	if _, err := os.Stat(p.Out); err == nil {
		t.Errorf("a refused plan made its record directory")
	}
}

// 10,000 distinct URLs (an id in each path) fold into one group, and the
// record stays small: run.json lists 100 targets, no groups log is needed
// for one group.
func TestTenThousandURLsStayBounded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var urls []string
	for i := 0; i < 10_000; i++ {
		urls = append(urls, srv.URL+"/users/"+strconv.Itoa(i)+"/profile")
	}
	urls = append(urls, srv.URL+"/health")
	p := plan(t, srv.URL, "100", 500*time.Millisecond, nil)
	var err error
	if p.Targets, err = attack.TargetsFromURLs(urls, "GET", nil, nil); err != nil {
		t.Fatal(err)
	}
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if len(s.Groups) != 2 || s.Groups[0].Name != "GET /users/{id}/profile" || s.Groups[0].Targets != 10_000 || s.GroupFolding == nil || s.GroupFolding.Endpoints != 10_001 {
		t.Fatalf("groups %+v folding %+v", s.Groups, s.GroupFolding)
	}
	if s.Requests+s.Missed != 50 || s.Groups[0].Requests+s.Groups[1].Requests != s.Requests {
		t.Errorf("requests %d missed %d, by group %d+%d", s.Requests, s.Missed, s.Groups[0].Requests, s.Groups[1].Requests)
	}
	var size int64
	for _, f := range []string{runrecord.MetaFile, runrecord.LatencyLog, runrecord.GroupsLog, runrecord.IntervalsFile} {
		st, err := os.Stat(filepath.Join(p.Out, f))
		if err != nil {
			t.Fatal(err)
		}
		size += st.Size()
	}
	if len(run.Plan.Targets) != maxPlanTargets || run.Plan.TargetsTotal != 10_001 || size > 64<<10 {
		t.Errorf("record: %d targets listed of %d, %d bytes", len(run.Plan.Targets), run.Plan.TargetsTotal, size)
	}
}
