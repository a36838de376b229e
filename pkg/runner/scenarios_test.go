package runner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// twoScenarios is a plan of a steady 200/s of reads and writes ramping
// from 0 to 100/s over the 1 s the attack lasts, on one server.
func twoScenarios(t *testing.T, url string) Plan {
	t.Helper()
	reads, err := attack.TargetsFromURLs([]string{url + "/items"}, "GET", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	writes, err := attack.TargetsFromURLs([]string{url + "/orders"}, "POST", nil, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	ramp, err := attack.ParseStages("1s:100")
	if err != nil {
		t.Fatal(err)
	}
	p := plan(t, url, "1", time.Second, nil)
	p.Targets, p.Schedule = nil, nil
	p.Scenarios = []Scenario{
		{Name: "reads", Targets: reads, Schedule: attack.Constant{Freq: 200, Per: time.Second}},
		{Name: "writes", Targets: writes, Schedule: ramp},
	}
	return p
}

// hitCounts counts a server's requests by method and path.
type hitCounts struct {
	mu sync.Mutex
	n  map[string]uint64
}

func (h *hitCounts) get(k string) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[k]
}

func countingServer() (*httptest.Server, *hitCounts) {
	hits := &hitCounts{n: map[string]uint64{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.mu.Lock()
		hits.n[r.Method+" "+r.URL.Path]++
		hits.mu.Unlock()
	}))
	return srv, hits
}

// Two scenarios in one attack, on one clock, into one record: each sends
// its own schedule's slots (reads 200 = 200/s x 1 s; writes 50, the area
// of a 0 -> 100/s ramp over 1 s) to its own targets; each is a group, and
// the summary gives each scenario's counts and latency beside the run's.
func TestTwoScenarios(t *testing.T) {
	srv, hits := countingServer()
	defer srv.Close()
	p := twoScenarios(t, srv.URL)
	var err error
	if p.SLO, err = slo.Parse("missed{scenario=reads}==0,success{scenario=writes}>=99%"); err != nil {
		t.Fatal(err)
	}
	run, err := Execute(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if len(s.Scenarios) != 2 || len(s.Groups) != 2 {
		t.Fatalf("scenarios %+v groups %+v", s.Scenarios, s.Groups)
	}
	want := map[string]uint64{"reads": 200, "writes": 50}
	for _, sc := range s.Scenarios {
		t.Logf("%s: due %d sent %d missed %d, requests %d, p50 %s", sc.Name, sc.Due, sc.Sent, sc.Missed, sc.Requests, sc.Latency.P50)
		if sc.Due != want[sc.Name] || sc.Sent+sc.Missed != sc.Due || sc.Requests != sc.Sent {
			t.Errorf("%s: due %d (want %d), sent %d, missed %d, requests %d", sc.Name, sc.Due, want[sc.Name], sc.Sent, sc.Missed, sc.Requests)
		}
		// The schedule kept: within 0.5 % (not asserted under the race
		// detector, which slows a loaded box past any schedule).
		if !raceEnabled && float64(sc.Missed) > 0.005*float64(sc.Due) {
			t.Errorf("%s: %d of %d slots missed", sc.Name, sc.Missed, sc.Due)
		}
	}
	g := s.Groups
	if g[0].Name != "reads: GET /items" || g[0].Scenario != "reads" || g[1].Name != "writes: POST /orders" || s.Scenarios[1].Groups[0] != g[1].Name {
		t.Errorf("groups %q %q (scenarios %q %q)", g[0].Name, g[1].Name, g[0].Scenario, g[1].Scenario)
	}
	for path, n := range map[string]uint64{"GET /items": s.Scenarios[0].Sent, "POST /orders": s.Scenarios[1].Sent} {
		if got := hits.get(path); got != n {
			t.Errorf("server saw %d of %s, want %d", got, path, n)
		}
	}
	if s.Requests != s.Scenarios[0].Requests+s.Scenarios[1].Requests || len(s.SLO.Checks) != 2 {
		t.Errorf("run %d requests, scenarios %d + %d; SLO %+v", s.Requests, s.Scenarios[0].Requests, s.Scenarios[1].Requests, s.SLO)
	}
	if len(run.Plan.Scenarios) != 2 || run.Plan.Scenarios[1].Schedule != p.Scenarios[1].Schedule.String() {
		t.Errorf("plan scenarios %+v", run.Plan.Scenarios)
	}
}

// Two shards of a two-scenario plan, started together, merge into the
// counts one generator would have: every scenario's due slots once.
func TestScenariosMergeAcrossShards(t *testing.T) {
	t.Parallel()
	srv, _ := countingServer()
	defer srv.Close()
	start := time.Now().Add(300 * time.Millisecond)
	var dirs []string
	runs := make(chan *runrecord.Run, 2)
	for i := 0; i < 2; i++ {
		p := twoScenarios(t, srv.URL)
		p.Out = filepath.Join(t.TempDir(), "shard")
		p.Options.Start, p.Options.Shard, p.Options.Shards = start, uint64(i), 2
		p.Shard = &runrecord.Shard{Index: i, Count: 2}
		dirs = append(dirs, p.Out)
		go func() {
			r, err := Execute(context.Background(), p)
			if err != nil {
				t.Error(err)
			}
			runs <- r
		}()
	}
	a, b := <-runs, <-runs
	if a == nil || b == nil {
		t.FailNow()
	}
	rep, err := report.Load(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	sc := rep.Summary.Scenarios
	if len(sc) != 2 || sc[0].Due != 200 || sc[1].Due != 50 {
		t.Fatalf("merged scenarios %+v", sc)
	}
	for i, m := range sc {
		got := a.Summary.Scenarios[i].Requests + b.Summary.Scenarios[i].Requests
		if m.Sent+m.Missed != m.Due || m.Requests != got || m.Requests != rep.Summary.Groups[i].Requests {
			t.Errorf("%s: sent %d missed %d due %d, requests %d (shards %d, group %d)", m.Name, m.Sent, m.Missed, m.Due, m.Requests, got, rep.Summary.Groups[i].Requests)
		}
	}
}
