package runrecord

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
)

// Kinds of run record.
const (
	KindAttack   = "attack"
	KindCapacity = "capacity"
)

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks that r is a loadgen run record whose values are in
// range: what {} or null, another tool's JSON, or a hand-edited file with
// a negative duration would fail. The error says what is wrong.
func (r *Run) Validate() error {
	switch {
	case r.FormatVersion == 0 && r.Format == "":
		return fmt.Errorf("not a loadgen run record (no \"format\": %q)", FormatName)
	case r.FormatVersion > FormatVersion:
		return fmt.Errorf("run record format %d is newer than this loadgen reads (%d)", r.FormatVersion, FormatVersion)
	case r.FormatVersion < 1:
		return fmt.Errorf("format_version %d is not a version of the run record format", r.FormatVersion)
	case r.FormatVersion >= 2 && r.Format != FormatName:
		return fmt.Errorf("not a loadgen run record (format %q, want %q)", r.Format, FormatName)
	case r.FormatVersion >= 2 && !runIDPattern.MatchString(r.RunID):
		return fmt.Errorf("run_id %q is not a run id (32 hex digits)", r.RunID)
	}
	if r.Kind != KindAttack && r.Kind != KindCapacity {
		return fmt.Errorf("kind %q: want %q or %q", r.Kind, KindAttack, KindCapacity)
	}
	if r.Start.IsZero() {
		return fmt.Errorf("no start time")
	}
	if r.End.Before(r.Start) {
		return fmt.Errorf("ends (%s) before it starts (%s)", r.End.Format(time.RFC3339Nano), r.Start.Format(time.RFC3339Nano))
	}
	if r.Interval < 0 || (r.Kind == KindAttack && r.Interval == 0) {
		return fmt.Errorf("interval %d ns: want a positive interval", r.Interval)
	}
	if s := r.Shard; s != nil && (s.Count < 1 || s.Index < 0 || s.Index >= s.Count) {
		return fmt.Errorf("shard %d of %d: want 0 <= index < count", s.Index, s.Count)
	}
	if err := nonNegative("plan.duration", r.Plan.Duration, "plan.timeout", r.Plan.Timeout); err != nil {
		return err
	}
	if err := r.Summary.validate(); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	for _, f := range r.Files {
		clean := path.Clean(f.Name)
		if f.Name == "" || clean != f.Name || path.IsAbs(f.Name) || strings.HasPrefix(clean, "..") || strings.Contains(f.Name, "\\") {
			return fmt.Errorf("files: %q is not a file name inside the record", f.Name)
		}
		if f.Bytes < 0 || !sha256Pattern.MatchString(f.SHA256) {
			return fmt.Errorf("files: %s: size %d, sha256 %q: want a size and a SHA-256", f.Name, f.Bytes, f.SHA256)
		}
	}
	return nil
}

func (s *Summary) validate() error {
	if err := nonNegative("duration", s.Duration, "wait", s.Wait, "dispatch_lag.p50", s.DispatchLag.P50,
		"dispatch_lag.p99", s.DispatchLag.P99, "dispatch_lag.max", s.DispatchLag.Max); err != nil {
		return err
	}
	if !(s.SuccessRatio >= 0 && s.SuccessRatio <= 1) {
		return fmt.Errorf("success_ratio %v: want 0..1", s.SuccessRatio)
	}
	if !(s.Rate >= 0) || !(s.Throughput >= 0) {
		return fmt.Errorf("rate %v, throughput %v: want >= 0", s.Rate, s.Throughput)
	}
	for name, l := range map[string]Latency{"latency": s.Latency, "service_latency": s.ServiceLatency} {
		if err := l.validate(name, s.Requests > 0); err != nil {
			return err
		}
	}
	var codes, errs uint64
	for code, n := range s.StatusCodes {
		codes += n
		if len(code) > 3 || strings.Trim(code, "0123456789") != "" {
			return fmt.Errorf("status_codes: %q is not a status code", code)
		}
	}
	// Fewer codes than requests is a merge with a lost shard, whose
	// requests are counted from what it streamed but whose codes are not
	// known; more is not a record.
	if codes > s.Requests {
		return fmt.Errorf("status_codes count %d responses, more than the %d requests", codes, s.Requests)
	}
	for _, e := range s.Errors {
		errs += e.Count
	}
	if errs > s.Requests {
		return fmt.Errorf("errors count %d, more than the %d requests", errs, s.Requests)
	}
	if t := s.Target; t != nil {
		for name, v := range map[string]float64{"cpu_percent.mean": t.CPUPercent.Mean, "cpu_percent.max": t.CPUPercent.Max,
			"rss_bytes.mean": t.RSSBytes.Mean, "rss_bytes.max": t.RSSBytes.Max, "goroutines.max": t.Goroutines.Max} {
			if !(v >= 0) {
				return fmt.Errorf("target.%s %v: want >= 0", name, v)
			}
		}
		if err := nonNegative("target.gc_pause.p99", t.GCPause.P99, "target.gc_pause.max", t.GCPause.Max); err != nil {
			return err
		}
	}
	if c := s.Capacity; c != nil {
		if !(c.SustainableRate >= 0) || !(c.Knee >= 0) {
			return fmt.Errorf("capacity: sustainable_rate %v, knee %v: want >= 0", c.SustainableRate, c.Knee)
		}
	}
	return nil
}

// validate checks a latency summary: no negative value and, when there
// were requests, percentiles in order.
func (l Latency) validate(name string, any bool) error {
	vals := []time.Duration{l.Min, l.P50, l.P90, l.P95, l.P99, l.P999, l.P9999, l.Max}
	names := []string{"min", "p50", "p90", "p95", "p99", "p999", "p9999", "max"}
	top := 0 // the largest value so far; zeros are values not recorded
	for i, v := range vals {
		if v < 0 {
			return fmt.Errorf("%s.%s is negative (%d ns)", name, names[i], v)
		}
		if any && v != 0 && v < vals[top] {
			return fmt.Errorf("%s.%s (%s) is below %s.%s (%s)", name, names[i], v, name, names[top], vals[top])
		}
		if v >= vals[top] {
			top = i
		}
	}
	if l.Mean < 0 {
		return fmt.Errorf("%s.mean is negative (%d ns)", name, l.Mean)
	}
	return nil
}

// nonNegative checks name, duration pairs.
func nonNegative(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if d := pairs[i+1].(time.Duration); d < 0 {
			return fmt.Errorf("%s is negative (%d ns)", pairs[i], d)
		}
	}
	return nil
}
