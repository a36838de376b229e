package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadgen/loadgen/internal/testrecords"
)

// usageFixtures are the input files the usage cases name as $DIR/NAME.
// $URL is a loopback server that counts what reaches it.
var usageFixtures = map[string]string{
	"badheader.txt":  "GET http://127.0.0.1:1/ok\nX-Fine: yes\nNoColonHere\n",
	"good.txt":       "GET http://127.0.0.1:1/ok\n",
	"p.yaml":         "name: reuse\nurl: $URL/hello\nrate: 10\nduration: 200ms\n",
	"badrate.yaml":   "name: x\nurl: http://127.0.0.1:1/\nrate: 10k\n",
	"toplevel.yaml":  "duration: 1s\nrate: 5\nscenarios:\n  - {name: a, url: \"http://127.0.0.1:1/\", rate: 5}\n",
	"badkey.yaml":    "duration: 1s\nscenarios:\n  - name: a\n    url: http://127.0.0.1:1/\n    stagez: 1s:5\n",
	"badstages.yaml": "duration: 1s\nscenarios:\n  - name: a\n    url: http://127.0.0.1:1/\n    stages: 2s\n",
	"dup.yaml": "scenarios:\n  - {name: a, url: \"http://127.0.0.1:1/\", rate: 5}\n" +
		"  - {name: a, url: \"http://127.0.0.1:1/\", rate: 5}\n",
	"slo.yaml":      "slo: p99{scenario=b}<1s\nscenarios:\n  - {name: a, url: \"http://127.0.0.1:1/\", rate: 5}\n",
	"notarun/.keep": "",
}

// TestUsageErrors: bad flags and bad input, run in-process (a child
// process per case costs ~40 ms of CPU and tests nothing more here). Each
// exits 2 (or the code given) before any traffic: the stderr message
// matches, nothing is written to stdout, no request reaches the target, no
// record is written at -out, the existing record $REC is untouched, and
// nothing is indexed in the history. The scripts keep one such case per
// topic, to show a user's session; these are the rest.
//
// Every case names its targets, files and -out explicitly, with absolute
// paths: run must not read stdin (which it does for targets when none are
// given), nor write under the working directory. Usage errors return
// before any signal handler is installed (flame's NotifyContext, undone
// when it returns, is the exception).
func TestUsageErrors(t *testing.T) {
	isolateHistory(t)
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	dir := t.TempDir()
	for name, body := range usageFixtures {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(body, "$URL", srv.URL)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec := filepath.Join(dir, "rec")
	testrecords.WriteSynthetic(t, rec, testrecords.Synthetic{Secs: 2, PerSec: 5, Latency: time.Millisecond, Seed: 1})
	grouped := filepath.Join(dir, "grouped")
	testrecords.WriteSynthetic(t, grouped, testrecords.Synthetic{Secs: 2, PerSec: 10, Seed: 2,
		Groups: []testrecords.SyntheticGroup{{Name: "work", Latency: time.Millisecond}, {Name: "hello", Latency: time.Millisecond}}})
	recBefore := snapshot(t, rec)
	cwdBefore := names(t, ".")
	// -shard env:NAME/N reads the environment; this name must be unset.
	t.Setenv("LOADGEN_NO_SUCH_INDEX", "")
	os.Unsetenv("LOADGEN_NO_SUCH_INDEX")

	for i, c := range []struct {
		from   string // the script the case came from, or shows the topic
		args   string // split on spaces; $URL, $DIR, $OUT, $REC and $GROUPED expanded
		stderr string // a regexp stderr matches
		not    string // a regexp stderr must not match ("" none)
		code   int    // 0: exitUsage
	}{
		// attack_bad_input.txtar
		{"attack_bad_input", "attack -targets $DIR/badheader.txt -duration 1s -out $OUT", `badheader.txt:3: bad header: NoColonHere`, "", 0},
		{"attack_bad_input", "attack -targets $DIR/good.txt -format yaml -duration 1s -out $OUT", `unknown targets format "yaml": want http or json`, "", 0},
		{"attack_bad_input", "attack -rate fast -url $URL/hello -out $OUT", `invalid rate "fast"`, "", 0},
		{"attack_bad_input", "attack -stages 30s:1000,oops -url $URL/hello -out $OUT", `invalid stages "30s:1000,oops": stage 2 "oops" is not DURATION:RATE`, "", 0},
		{"attack_bad_input", "attack -url 127.0.0.1:8080/hello -out $OUT", `invalid URL "127.0.0.1:8080/hello": scheme must be http or https`, "", 0},
		{"attack_bad_input", "attack -url http:///path -out $OUT", `missing host`, "", 0},
		{"attack_bad_input", "attack -url $URL/hello -body $DIR/missing.json -out $OUT", `-body: open \S+/missing.json: no such file or directory`, "", 0},
		{"attack_bad_input", "attack -url $URL/hello -rate 0 -workers 20 -max-workers 5 -out $OUT", `-workers \(20\) must not exceed -max-workers \(5\)`, "attacking", 0},
		{"attack_bad_input", "attack -url $URL/hello -header NoColon -out $OUT", `invalid header "NoColon"`, "", 0},
		{"attack_bad_input", "report $DIR/nosuchrun", `nosuchrun: no such run record directory`, "", 0},
		// attack_slo.txtar
		{"attack_slo", "attack -rate 10 -duration 500ms -url $URL/hello -slo target_cpu<80% -out $OUT", `-slo target_cpu<80% checks the target itself, which needs the collector: give -metrics URL`, "", 0},
		{"attack_slo", "attack -url $URL/hello -slo p98<5ms -out $OUT", `unknown key "p98": want one of`, "", 0},
		// attack_trace.txtar
		{"attack_trace", "attack -trace -trace-link javascript:alert({trace_id}) -duration 1s -url $URL/hello -out $OUT", `want an http:// or https:// URL`, "", 0},
		{"attack_trace", "attack -trace -trace-link https://tempo.example/trace -duration 1s -url $URL/hello -out $OUT", `needs \{trace_id\}`, "", 0},
		{"attack_trace", "attack -trace -trace-sample 2 -duration 1s -url $URL/hello -out $OUT", `-trace-sample 2: want a fraction from 0 to 1`, "", 0},
		{"attack_trace", "attack -exemplars 0 -duration 1s -url $URL/hello -out $OUT", `-exemplars 0: want 1 to 100`, "", 0},
		{"attack_trace", "report -type html -trace-link ftp://x/{trace_id} $REC", `want an http:// or https:// URL`, "", 0},
		// capacity.txtar
		{"capacity", "capacity -url $URL/hello -slo p99<5ms -rate 100 -out $OUT", `-rate: capacity chooses each step's rate`, "", 0},
		{"capacity", "capacity -url $URL/hello -slo p99<5ms -min-rate 500 -max-rate 100 -out $OUT", `max rate 100 must be at least the min rate 500`, "", 0},
		{"capacity", "capacity -url $URL/hello -slo p99<5ms -precision 150% -out $OUT", `-precision "150%"`, "", 0},
		// collect.txtar
		{"collect", "attack -rate 10 -duration 1s -url $URL/hello -collect-header X-A:b -out $OUT", `collect-header needs`, "", 0},
		{"collect", "attack -rate 10 -duration 1s -url $URL/hello -metrics ftp://x/metrics -out $OUT", `want an http:// or https:// URL`, "", 0},
		{"collect", "attack -rate 10 -duration 1s -url $URL/hello -metrics $URL/metrics -collect-max-series 0 -out $OUT", `collect-max-series must be positive`, "", 0},
		// compare.txtar
		{"compare", "compare $REC", `exactly two run records`, "", 0},
		{"compare", "compare -type pdf $REC $REC", `want text, json, html or markdown`, "", 0},
		{"compare", "compare $REC $DIR/nothere", `nothere: no such run record directory`, "", 0},
		{"compare", "flame -type nope $REC", `unknown profile type`, "", 0},
		{"compare", "flame $REC", `no cpu profile`, "", exitFailure},
		// distributed_usage.txtar
		{"distributed_usage", "attack -shard 2 -url $URL/hello -out $OUT", `want I/N like 2/8`, "", 0},
		{"distributed_usage", "attack -shard env:LOADGEN_NO_SUCH_INDEX/8 -url $URL/hello -out $OUT", `environment variable LOADGEN_NO_SUCH_INDEX is not set`, "", 0},
		{"distributed_usage", "attack -coordinator http://127.0.0.1:1 -url $URL/hello -out $OUT", `-coordinator needs -shard I/N`, "", 0},
		{"distributed_usage", "coordinator -url $URL/hello -out $OUT", `-shards N is required`, "", 0},
		{"distributed_usage", "coordinator -shards 2 -url $URL/hello -rate fast -out $OUT", `invalid rate "fast"`, "", 0},
		{"distributed_usage", "kubernetes -url $URL/hello", `-shards N is required`, "", 0},
		{"distributed_usage", "kubernetes -shards 2 -shard 0/2 -url $URL/hello", `-shard and -coordinator are set by the manifests`, "", 0},
		// groups.txtar
		{"groups", "attack -url $URL/hello -group other=/x -out $OUT", `bad group rule "other=/x": bad group name "other": reserved`, "", 0},
		{"groups", "attack -url $URL/hello -max-groups 1 -out $OUT", `-max-groups 1: must be at least 2`, "", 0},
		{"groups", "compare -fail-on worse:latency.p50{group=nope} $GROUPED $GROUPED", `unknown metric "latency.p50\{group=nope\}"`, "", 0},
		// history.txtar
		{"history", "history -since yesterday", `want a date`, "", 0},
		{"history", "compare -baseline first:api $REC", `want last:NAME, last-pass:NAME or label:KEY=VALUE`, "", 0},
		{"history", "compare -fail-on worse:nosuch $REC $REC", `unknown metric "nosuch"`, "", 0},
		// lazy.txtar (and vegeta_habits.txtar: "-lazy reads -targets as the attack goes", "drop -lazy")
		{"lazy", "attack -lazy -url $URL/hello -out $OUT", `-lazy reads -targets as the attack goes; -url targets are few and given already: drop -lazy`, "", 0},
		{"lazy", "capacity -lazy -targets $DIR/good.txt -slo p99<100ms -min-rate 10 -max-rate 20 -out $OUT", `-lazy: capacity runs several steps over the same targets`, "", 0},
		{"lazy", "coordinator -lazy -targets $DIR/good.txt -shards 2 -out $OUT", `-lazy: the coordinator sends every shard the same targets`, "", 0},
		// out_reuse.txtar: the policy for run and capacity (attack and demo stay there).
		{"out_reuse", "run -out $REC $DIR/p.yaml", `already holds a run record`, "", 0},
		{"out_reuse", "capacity -url $URL/hello -slo p99<1s -out $REC", `already holds a run record`, "", 0},
		// papercuts.txtar
		{"papercuts", "attack -duration 10 -url $URL/hello -out $OUT", `invalid value "10" for -duration: a duration needs a unit, like 10s, 500ms or 2m`, "", 0},
		{"papercuts", "attack -slo target_cpu<50% -url $URL/hello -out $OUT", `-slo target_cpu<50% checks the target itself, which needs the collector: give -metrics URL`, "attacking", 0},
		{"papercuts", "attack -url $URL/hello -metrics $URL/metrics -collect-max-bytes lots -out $OUT", `invalid size "lots"`, "", 0},
		{"papercuts", "report $DIR/notarun", `notarun: not a run record: it has no run.json`, "", 0},
		{"papercuts", "report -type hist[x] $REC", `want hist\[BOUNDS\]`, "", 0},
		{"papercuts", "flame -type mutex $REC", `collected with -pprof URL during the attack`, "", exitFailure},
		// run_profile.txtar
		{"run_profile", "run -out $OUT $DIR/badrate.yaml", `badrate.yaml:3:7: rate: invalid rate "10k"`, "", 0},
		{"run_profile", "run -ratee 5 -out $OUT $DIR/p.yaml", `unknown flag -ratee: did you mean -rate\?`, "", 0},
		// run_scenarios.txtar
		{"run_scenarios", "run -check $DIR/toplevel.yaml", `toplevel.yaml:2:1: "rate" belongs in each scenario when the profile has scenarios \(line 3\)`, "", 0},
		{"run_scenarios", "run -check $DIR/badkey.yaml", `badkey.yaml:5:5: unknown setting "stagez"`, "", 0},
		{"run_scenarios", "run -check $DIR/badstages.yaml", `badstages.yaml:5:13: scenario 1 "a": stages: invalid stages "2s"`, "", 0},
		{"run_scenarios", "run -check $DIR/dup.yaml", `scenario 2: the name "a" is given twice`, "", 0},
		{"run_scenarios", "run -check $DIR/slo.yaml", `no scenario "b" in this plan`, "", 0},
		// vegeta_habits.txtar
		{"vegeta_habits", "attack -resolvers not-an-ip -url $URL/hello -out $OUT", `-resolvers: resolver "not-an-ip:53": want an IP address`, "", 0},
		{"vegeta_habits", "attack -cert $DIR/missing.pem -url $URL/hello -out $OUT", `-cert: open \S+/missing.pem`, "", 0},
	} {
		out := filepath.Join(dir, "out", strconv.Itoa(i))
		args := strings.Fields(strings.NewReplacer("$URL", srv.URL, "$DIR", dir, "$OUT", out, "$REC", rec, "$GROUPED", grouped).Replace(c.args))
		want := c.code
		if want == 0 {
			want = exitUsage
		}
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		where := c.from + ".txtar: loadgen " + c.args
		if code != want {
			t.Errorf("%s: exit %d, want %d\nstderr: %s", where, code, want, stderr.String())
		}
		if !regexp.MustCompile(c.stderr).Match(stderr.Bytes()) {
			t.Errorf("%s: stderr does not match %q:\n%s", where, c.stderr, stderr.String())
		}
		if c.not != "" && regexp.MustCompile(c.not).Match(stderr.Bytes()) {
			t.Errorf("%s: stderr matches %q:\n%s", where, c.not, stderr.String())
		}
		if stdout.Len() > 0 {
			t.Errorf("%s: wrote to stdout:\n%s", where, stdout.String())
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: -out %s exists (or %v): a usage error must write no record", where, out, err)
		}
	}
	if n := hits.Load(); n > 0 {
		t.Errorf("%d requests reached the target: usage errors must send nothing", n)
	}
	if got := snapshot(t, rec); !slices.Equal(got, recBefore) {
		t.Errorf("the existing record changed:\nbefore %q\nafter  %q", recBefore, got)
	}
	if got := names(t, "."); !slices.Equal(got, cwdBefore) {
		t.Errorf("the working directory changed:\nbefore %q\nafter  %q", cwdBefore, got)
	}
	if _, err := os.Stat(os.Getenv(historyEnv)); !os.IsNotExist(err) {
		t.Errorf("the history was written (or %v): usage errors index nothing", err)
	}
}

// TestHelpOutput: -h of the commands a new user tries first goes to stdout
// (it was asked for), exits 0 and says what it should; nothing on stderr.
func TestHelpOutput(t *testing.T) {
	for _, c := range []struct {
		args   []string
		stdout []string
	}{
		{[]string{"attack", "-h"}, []string{`-overwrite`}},
		{[]string{"report", "-h"}, []string{`hist\[BOUNDS\]`}},
		{[]string{"target", "-h"}, []string{`/fib\?n=N`, `/work\?c=C&ms=S`, `/metrics`}},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != exitOK {
			t.Errorf("loadgen %v: exit %d, want 0", c.args, code)
		}
		if stderr.Len() > 0 {
			t.Errorf("loadgen %v wrote to stderr: %q", c.args, stderr.String())
		}
		for _, re := range c.stdout {
			if !regexp.MustCompile(re).Match(stdout.Bytes()) {
				t.Errorf("loadgen %v: stdout does not match %q", c.args, re)
			}
		}
	}
}

// snapshot lists the files under dir with their sizes and modification
// times: what a run writing there would change.
func snapshot(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		files = append(files, path+" "+strconv.FormatInt(fi.Size(), 10)+" "+fi.ModTime().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// names lists what is in dir (not under it).
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}
