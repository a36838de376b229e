package runrecord

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// File names inside a run directory.
const (
	MetaFile      = "run.json"
	LatencyLog    = "latency.hlog"
	GroupsLog     = "groups.hlog" // endpoint groups' latency, when a run has several
	IntervalsFile = "intervals.jsonl"
	TargetFile    = "target.jsonl"
	ProfilesDir   = "profiles"
	ReportFile    = "report.html"
)

// FormatVersion is bumped when run.json changes incompatibly. Version 2
// added the format name, the run id and the file manifest (identity.go).
const FormatVersion = 2

// Tags of the series in latency.hlog. Intended-time latency is untagged so
// that HdrHistogram's reference tools read it by default.
const (
	TagLatency = ""
	TagService = "service"
	TagLag     = "dispatch_lag"
)

// Run is run.json: what was run, where, when, and its summary.
type Run struct {
	Format        string `json:"format"` // FormatName
	FormatVersion int    `json:"format_version"`
	RunID         string `json:"run_id"`
	Kind          string `json:"kind"` // attack, capacity, ...
	Name          string `json:"name"`
	// Labels are the user's key=value tags of the run (-label), such as
	// git=abc123 or env=staging; the run history filters and plots by them.
	Labels map[string]string `json:"labels,omitempty"`
	Tool   Tool              `json:"tool"`
	Host   Host              `json:"host"`
	Plan   Plan              `json:"plan"`
	Start  time.Time         `json:"start"`
	End    time.Time         `json:"end"`
	Shard  *Shard            `json:"shard,omitempty"`
	// Shards is set in the merged record of a coordinated run: every shard
	// of it, with its clock offset, start lag and fate. Their own records
	// are in shards/INDEX.
	Shards      []Shard  `json:"shards,omitempty"`
	Interrupted bool     `json:"interrupted,omitempty"`
	Aborted     bool     `json:"aborted,omitempty"`
	Interval    int64    `json:"interval"` // latency interval, ns
	Warnings    []string `json:"warnings,omitempty"`
	Summary     Summary  `json:"summary"`
	// Files lists every other file the run wrote (see Seal).
	Files []FileEntry `json:"files,omitempty"`
}

// Tool records the versions that made the run.
type Tool struct {
	Loadgen string `json:"loadgen"`
	Go      string `json:"go"`
	Vegeta  string `json:"vegeta"`
}

// Host is the machine the generator ran on.
type Host struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
}

// Shard says which part of a sharded attack this run was and, in a
// coordinated run, how its clock and start compared with the
// coordinator's. Durations are nanoseconds.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Host is where the shard ran (set in a merged record).
	Host string `json:"host,omitempty"`
	// Coordinator is the coordinator's URL (secrets masked).
	Coordinator string `json:"coordinator,omitempty"`
	// ClockOffset is the coordinator's clock minus the shard's, estimated
	// from the registration exchange (NTP-style, the round trip halved);
	// its error is at most RTT/2.
	ClockOffset time.Duration `json:"clock_offset,omitempty"`
	RTT         time.Duration `json:"rtt,omitempty"`
	// Start is the agreed start instant on the coordinator's clock: slot
	// n of the one schedule is due at Start+Due(n) on every shard.
	Start time.Time `json:"start,omitzero"`
	// StartLag is how late the shard actually began against Start, on its
	// own clock once corrected by ClockOffset.
	StartLag time.Duration `json:"start_lag,omitempty"`
	// Status of the shard in a merged record: complete, lost (it started
	// but its record never arrived) or missing (it never started).
	Status string `json:"status,omitempty"`
	// LastInterval is the start of the last latency interval received from
	// a lost shard (zero when none arrived).
	LastInterval time.Time `json:"last_interval,omitzero"`
	Requests     uint64    `json:"requests,omitempty"`
	// Note says what happened, in words (why a shard is lost, or that a
	// shard could not reach the coordinator and kept its record here).
	Note string `json:"note,omitempty"`
}

// Shard statuses in a merged record.
const (
	ShardComplete = "complete"
	ShardLost     = "lost"
	ShardMissing  = "missing"
)

// Plan is what was asked for. Secret header values are redacted.
type Plan struct {
	Targets []PlanTarget `json:"targets"`
	// TargetsTotal is how many targets there were when Targets lists only
	// the first of them (0: Targets lists every one).
	TargetsTotal   int           `json:"targets_total,omitempty"`
	Schedule       string        `json:"schedule"`
	Duration       time.Duration `json:"duration"`
	Workers        uint64        `json:"workers"`
	MaxWorkers     uint64        `json:"max_workers,omitempty"`
	Connections    int           `json:"connections"`
	MaxConnections int           `json:"max_connections"`
	Timeout        time.Duration `json:"timeout"`
	KeepAlive      bool          `json:"keepalive"`
	HTTP2          bool          `json:"http2"`
	H2C            bool          `json:"h2c"`
	Insecure       bool          `json:"insecure"`
	Redirects      int           `json:"redirects"`
	MaxBody        int64         `json:"max_body"`
	Args           []string      `json:"args,omitempty"`
	Collect        any           `json:"collect,omitempty"`
	SLO            string        `json:"slo,omitempty"`
	Client         string        `json:"client,omitempty"` // HTTP client that sent: net or fast
	// Trace says the requests carried W3C trace context (nil: they did not).
	Trace *PlanTrace `json:"trace,omitempty"`
	// Exemplars is how many of the slowest requests each interval kept.
	Exemplars int `json:"exemplars,omitempty"`
	// ListenMetrics is where live Prometheus metrics were served.
	ListenMetrics string `json:"listen_metrics,omitempty"`
	// GroupRules are the -group rules (NAME=[METHOD ]PATTERN) and
	// MaxGroups the group limit when not the default.
	GroupRules []string `json:"group_rules,omitempty"`
	MaxGroups  int      `json:"max_groups,omitempty"`
	// Scenarios are the plan's scenarios, when it has several streams of
	// slots (Targets then lists every scenario's, in order).
	Scenarios []PlanScenario `json:"scenarios,omitempty"`
}

// PlanScenario is one scenario as planned.
type PlanScenario struct {
	Name     string `json:"name"`
	Schedule string `json:"schedule"`
	Targets  int    `json:"targets"`
}

// PlanTrace is how requests were traced. The header carries random ids
// only; it is not a secret.
type PlanTrace struct {
	Header string  `json:"header"` // traceparent
	Sample float64 `json:"sample"` // fraction with the sampled flag set
	// Link is a trace viewer's URL with {trace_id} where the id goes,
	// used by the reports to link exemplars to their traces.
	Link string `json:"link,omitempty"`
}

// PlanTarget is one target as planned.
type PlanTarget struct {
	Method    string      `json:"method"`
	URL       string      `json:"url"`
	Header    http.Header `json:"header,omitempty"`
	BodyBytes int         `json:"body_bytes,omitempty"`
}

// Interval is one row of intervals.jsonl: what completed in one latency
// interval (aligned to multiples of the interval since the Unix epoch).
type Interval struct {
	StartMs   int64  `json:"t"`
	Completed uint64 `json:"n"`
	Errors    uint64 `json:"errors"`
	// GroupErrors are the errors of each endpoint group that had any, by
	// its groups.hlog tag (a group's completions are in groups.hlog).
	GroupErrors map[string]uint64 `json:"group_errors,omitempty"`
}

// Write stores run.json in dir atomically. A new record (FormatVersion
// 0) gets the format's name and version, and a run id if it has none yet
// (files written before it then carry none: give writers the id first,
// see NewRunID). A record read from disk keeps the version it was written
// in: rewritten, a version 1 record (made before run ids) stays one, and
// does not claim an id its other files do not carry.
func Write(dir string, r *Run) error {
	if r.FormatVersion == 0 || r.FormatVersion >= 2 {
		r.Format, r.FormatVersion = FormatName, FormatVersion
		if r.RunID == "" {
			r.RunID = NewRunID()
		}
	}
	return WriteJSON(filepath.Join(dir, MetaFile), r)
}

// Read loads run.json from a run directory and checks that it is a run
// record of loadgen's with values in range (see Validate). It does not
// look at the other files: Open does.
func Read(dir string) (*Run, error) {
	path := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if _, derr := os.Stat(dir); derr != nil {
				return nil, recordErr(dir, "no such run record directory")
			}
			return nil, recordErr(dir, "not a run record: it has no %s", MetaFile)
		}
		return nil, fmt.Errorf("read run record: %w", err)
	}
	return ParseRun(b, path)
}

// ParseRun decodes and checks a run.json; path names it in errors.
func ParseRun(data []byte, path string) (*Run, error) {
	var r Run
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, recordErr(path, "not a loadgen run record: not the JSON it should be: %v", err)
	}
	if dec.More() {
		return nil, recordErr(path, "not a loadgen run record: more than one JSON value")
	}
	if err := r.Validate(); err != nil {
		return nil, recordErr(path, "%v", err)
	}
	return &r, nil
}

// WriteIntervals stores intervals.jsonl of run runID atomically.
func WriteIntervals(dir, runID string, rows []Interval) error {
	return writeJSONL(filepath.Join(dir, IntervalsFile), intervalsFormat, runID, rows)
}

// ReadIntervals loads intervals.jsonl (missing file: no rows).
func ReadIntervals(dir string) ([]Interval, error) {
	return readJSONL[Interval](filepath.Join(dir, IntervalsFile))
}

// CheckWritable makes dir (and parents) and proves a file can be created in
// it, so an unwritable -out fails before any traffic is sent.
func CheckWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".probe*")
	if err != nil {
		return fmt.Errorf("output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
