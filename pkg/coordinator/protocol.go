package coordinator

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The protocol between shards and the coordinator: HTTP with JSON bodies,
// histograms in the HdrHistogram log's own text encoding, and each shard's
// finished record as a gzipped tar. Every request names the run, so a
// shard of an earlier run cannot feed this one.
const (
	pathClock     = "/v1/clock"     // GET: the coordinator's clock, for the offset estimate
	pathRegister  = "/v1/register"  // POST registration: plan check
	pathStart     = "/v1/start"     // POST startPoll: long-poll for the start instant (the barrier)
	pathIntervals = "/v1/intervals" // POST intervalBatch: closed intervals, also the heartbeat
	pathRecord    = "/v1/record"    // POST ?run=ID&shard=I, gzipped tar of the shard's record
	pathStatus    = "/v1/status"    // GET: the run as the coordinator sees it
)

// Bounds on what one request may carry; larger bodies are refused.
const (
	maxSmallBody = 1 << 20  // registration, polls
	maxBatchBody = 16 << 20 // one batch of intervals
	// DefaultMaxUpload bounds one shard's uploaded record (gzipped).
	DefaultMaxUpload = 1 << 30
)

// clockReply carries the coordinator's receive and send instants (Unix ns).
type clockReply struct {
	Recv int64 `json:"recv"`
	Send int64 `json:"send"`
}

type registration struct {
	Shard    int    `json:"shard"`
	Plan     Plan   `json:"plan"`
	PlanHash string `json:"plan_hash"`
	Host     string `json:"host"`
	Version  string `json:"version"`
}

type registered struct {
	Run      string        `json:"run"`
	Interval time.Duration `json:"interval"`
}

// refusal is the body of a 4xx answer.
type refusal struct {
	Code  string   `json:"code"`
	Error string   `json:"error"`
	Diffs []string `json:"diffs,omitempty"`
}

// Refusal codes.
const (
	codePlan      = "plan_mismatch"
	codeDuplicate = "duplicate"
	codeStarted   = "started"
	codeBadShard  = "bad_shard"
	codeRun       = "unknown_run"
	codeAborted   = "aborted"
	codeBadInput  = "bad_request"
)

type startPoll struct {
	Run         string        `json:"run"`
	Shard       int           `json:"shard"`
	ClockOffset time.Duration `json:"clock_offset"`
	RTT         time.Duration `json:"rtt"`
}

type startReply struct {
	// Start is the start instant on the coordinator's clock (Unix ns); 0
	// while the barrier still waits.
	Start int64  `json:"start,omitempty"`
	Abort string `json:"abort,omitempty"`
}

// interval is one closed latency interval of a shard: its lines of
// latency.hlog and its row of intervals.jsonl.
type interval struct {
	Seq     uint64 `json:"seq"`
	StartMs int64  `json:"t"`
	EndMs   int64  `json:"end"`
	N       uint64 `json:"n"`
	Errors  uint64 `json:"errors"`
	Hlog    string `json:"hlog"`
}

type intervalBatch struct {
	Run   string `json:"run"`
	Shard int    `json:"shard"`
	// HlogHeader is the shard's latency.hlog header, sent until the
	// coordinator has it.
	HlogHeader string     `json:"hlog_header,omitempty"`
	Intervals  []interval `json:"intervals,omitempty"`
	// Dropped counts intervals the shard dropped, unsent, to stay within
	// its memory bound while the coordinator was unreachable.
	Dropped uint64 `json:"dropped,omitempty"`
	// StartLag is set once the shard has begun.
	StartLag *time.Duration `json:"start_lag,omitempty"`
}

type batchReply struct {
	// Stop asks the shard to stop sending (the coordinator was
	// interrupted); it finishes gracefully and uploads its record.
	Stop bool `json:"stop,omitempty"`
}

// RefusedError is the coordinator's refusal of a shard, before any
// traffic: its plan differs, its index is taken or the run has started.
type RefusedError struct {
	Shard int
	Code  string
	// Reason is the coordinator's message; Diffs name each setting that
	// differs when the plan was refused.
	Reason string
	Diffs  []string
}

func (e *RefusedError) Error() string {
	if len(e.Diffs) > 0 {
		return fmt.Sprintf("the coordinator refused shard %d: %s:\n  %s", e.Shard, e.Reason, strings.Join(e.Diffs, "\n  "))
	}
	return fmt.Sprintf("the coordinator refused shard %d: %s", e.Shard, e.Reason)
}

// ErrPlanMismatch is matched (errors.Is) by a RefusedError for a plan
// that differs from the coordinator's.
var ErrPlanMismatch = errors.New("plan differs from the coordinator's")

// Is makes errors.Is(err, ErrPlanMismatch) true for plan refusals.
func (e *RefusedError) Is(target error) bool {
	return target == ErrPlanMismatch && e.Code == codePlan
}

// AbortedError says the coordinator called the run off before it started
// (barrier timeout, a refused shard, an interrupt).
type AbortedError struct{ Reason string }

func (e *AbortedError) Error() string { return "the coordinator aborted the run: " + e.Reason }

// UnreachableError says the coordinator could not be reached. Before the
// start no traffic was sent; after it, the shard's own record is complete
// where it was written.
type UnreachableError struct {
	URL string
	For time.Duration
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("coordinator %s unreachable for %s: %v", e.URL, e.For.Round(time.Second), e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// BarrierError says not every shard registered before the barrier timeout
// (or before the coordinator was interrupted); nothing was sent.
type BarrierError struct {
	Missing []int
	Timeout time.Duration
	// Refused lists refusals made while waiting, which may explain why.
	Refused []string
}

func (e *BarrierError) Error() string {
	msg := fmt.Sprintf("shard(s) %s never registered within %s; nothing was sent", ints(e.Missing), e.Timeout)
	if len(e.Refused) > 0 {
		msg += "; refused meanwhile: " + strings.Join(e.Refused, "; ")
	}
	return msg
}

// MismatchError says a shard's plan differed from the coordinator's, so
// the run was called off before any traffic.
type MismatchError struct {
	Shard int
	Host  string
	Diffs []string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("shard %d (%s) has a different plan; the run was called off before any traffic:\n  %s",
		e.Shard, e.Host, strings.Join(e.Diffs, "\n  "))
}

func (e *MismatchError) Is(target error) bool { return target == ErrPlanMismatch }

// LostError says shards started but their records never arrived: the
// merged record is partial and names them.
type LostError struct {
	Lost []Lost
}

// Lost is one shard missing from the merged result.
type Lost struct {
	Shard int
	// LastInterval is the start of the last interval received from it
	// (zero when none).
	LastInterval time.Time
	Reason       string
}

func (e *LostError) Error() string {
	parts := make([]string, len(e.Lost))
	for i, l := range e.Lost {
		last := "no interval received"
		if !l.LastInterval.IsZero() {
			last = "last interval " + l.LastInterval.UTC().Format("15:04:05.000Z")
		}
		parts[i] = fmt.Sprintf("shard %d lost (%s; %s)", l.Shard, l.Reason, last)
	}
	return strings.Join(parts, "; ") + "; the merged record is partial"
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
