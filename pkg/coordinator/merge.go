package coordinator

import (
	"bufio"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/loadgen/loadgen/pkg/report"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// merge writes the merged record: each shard's own record (as uploaded,
// or rebuilt from what it streamed when it was lost) merged exactly as
// `loadgen report a b c` merges them (report.Load), plus the collector's
// timeline and profiles, the shard table and the SLO verdict.
func (c *Coordinator) merge(start, stopAt time.Time, target *runrecord.TargetSummary) (*runrecord.Run, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.shards)
	var (
		dirs     []string
		statuses []runrecord.Shard
		lost     []Lost
		warnings []string
		end      = start
		intr     bool
	)
	sending := c.sendingLocked(start, stopAt)
	for _, s := range c.shards {
		st := runrecord.Shard{Index: s.index, Count: n, Host: s.host, ClockOffset: s.offset, RTT: s.rtt, Start: start.UTC()}
		if s.startLag != nil {
			st.StartLag = *s.startLag
		}
		dir := filepath.Join(c.cfg.Out, shardsDir, strconv.Itoa(s.index))
		switch {
		case s.uploaded:
			r := s.uploadedRun
			st.Status, st.Requests = runrecord.ShardComplete, r.Summary.Requests
			if r.Shard != nil {
				st.StartLag = r.Shard.StartLag
				st.Note = r.Shard.Note
			}
			intr = intr || r.Interrupted
			if r.End.After(end) {
				end = r.End
			}
			for _, w := range r.Warnings {
				warnings = append(warnings, fmt.Sprintf("shard %d: %s", s.index, w))
			}
			dirs = append(dirs, dir)
		default:
			st.Status = runrecord.ShardLost
			if s.startLag == nil && s.intervals == 0 {
				st.Status = runrecord.ShardMissing
			}
			st.Note, st.Requests = s.lost, s.requests
			l := Lost{Shard: s.index, Reason: s.lost}
			if s.lastInterval != 0 {
				l.LastInterval = time.UnixMilli(s.lastInterval).UTC()
				st.LastInterval = l.LastInterval
			}
			lost = append(lost, l)
			msg := fmt.Sprintf("shard %d of %d (%s) lost: %s; ", s.index, n, s.host, s.lost)
			if s.intervals > 0 {
				if err := c.rebuildLocked(s, dir, start, sending); err != nil {
					return nil, err
				}
				dirs = append(dirs, dir)
				msg += fmt.Sprintf("its %d intervals up to %s (%d requests) are merged, from what it streamed; status codes and error messages of those requests are unknown",
					s.intervals, l.LastInterval.Format("15:04:05Z"), s.requests)
			} else {
				msg += "nothing of it is in the merged figures"
			}
			warnings = append(warnings, msg)
		}
		statuses = append(statuses, st)
	}
	if len(dirs) == 0 {
		return nil, &LostError{Lost: lost}
	}
	rep, err := report.Load(dirs...)
	if err != nil {
		return nil, fmt.Errorf("merge shard records: %w", err)
	}
	if err := writeMergedFiles(c.cfg.Out, c.run, dirs, rep); err != nil {
		return nil, err
	}
	// Seal skips the ones not written (no groups, no exemplars).
	files := []string{runrecord.LatencyLog, runrecord.IntervalsFile, runrecord.GroupsLog, runrecord.ExemplarsFile}
	if c.col != nil {
		files = append(files, c.col.Files()...)
	}
	run := &runrecord.Run{
		RunID:       c.run, // the coordinated run's: shards registered with it
		Kind:        runrecord.KindAttack,
		Name:        c.cfg.Name,
		Labels:      c.cfg.Labels,
		Tool:        c.cfg.Tool,
		Host:        c.cfg.Host,
		Plan:        c.cfg.PlanRecord,
		Start:       start.UTC(),
		End:         end.UTC(),
		Shards:      statuses,
		Interrupted: intr || !stopAt.IsZero(),
		Interval:    int64(c.cfg.Plan.Interval),
		Warnings:    warnings,
		Summary:     rep.Summary,
	}
	run.Summary.Generator = nil // each shard's own is in its record
	run.Summary.Target = target
	run.Summary.SLO = c.cfg.SLO.Evaluate(run.Summary)
	if run.Summary.SLO != nil && len(lost) > 0 {
		run.Summary.SLO.Partial = true
		run.Summary.SLO.Note = (&LostError{Lost: lost}).Error()
	}
	if err := runrecord.Seal(c.cfg.Out, run, files...); err != nil {
		return run, err
	}
	if len(lost) > 0 {
		return run, &LostError{Lost: lost}
	}
	return run, nil
}

// sendingLocked is how long the shards sent: as planned, to the stop, or
// (unbounded and never stopped) as long as the longest shard that
// finished says.
func (c *Coordinator) sendingLocked(start, stopAt time.Time) time.Duration {
	d := c.planned()
	if !stopAt.IsZero() && (d == 0 || stopAt.Sub(start) < d) {
		d = max(stopAt.Sub(start), 0)
	}
	for _, s := range c.shards {
		if s.uploaded && d == 0 {
			d = max(d, s.uploadedRun.Summary.Duration)
		}
	}
	return d
}

// rebuildLocked writes a run.json for a lost shard from what it streamed
// (its spooled latency.hlog and intervals.jsonl), so the offline merge
// reads it like any record. The slots of its share it never sent count as
// missed, so the gap it left is in the merged figures.
func (c *Coordinator) rebuildLocked(s *shardState, dir string, start time.Time, sending time.Duration) error {
	series := runrecord.NewSeries(int64(time.Hour))
	first := true
	err := runrecord.MergeHlogs([]string{dir}, func(_, _ int64, iv runrecord.Series) error {
		if first {
			series, first = iv.Clone(), false
			return nil
		}
		series.Merge(iv)
		return nil
	})
	if err != nil {
		return fmt.Errorf("shard %d: %w", s.index, err)
	}
	rows, err := runrecord.ReadIntervals(dir)
	if err != nil {
		return fmt.Errorf("shard %d: %w", s.index, err)
	}
	counts := runrecord.NewCounts()
	var last time.Time
	for _, r := range rows {
		counts.Requests += r.Completed
		counts.Success += r.Completed - r.Errors
		if e := time.UnixMilli(r.StartMs).Add(c.cfg.Plan.Interval); e.After(last) {
			last = e
		}
	}
	counts.LastEnd = last
	// The rebuilt record is the shard's own run: its id is the one the
	// shard wrote into the latency log's header it streamed.
	id, err := runrecord.HlogRunID(filepath.Join(dir, runrecord.LatencyLog))
	if err != nil {
		return fmt.Errorf("shard %d: %w", s.index, err)
	}
	if id == "" {
		id = runrecord.NewRunID()
	}
	// The spooled rows came without the header row that ties them.
	if err := runrecord.WriteIntervals(dir, id, rows); err != nil {
		return fmt.Errorf("shard %d: %w", s.index, err)
	}
	due := shareOf(c.cfg.Schedule.Hits(sending), uint64(s.index), uint64(len(c.shards)))
	missed := uint64(0)
	if due > counts.Requests {
		missed = due - counts.Requests
	}
	sum := runrecord.Summarize(series, counts, start, min(sending, max(last.Sub(start), 0)), missed)
	run := &runrecord.Run{
		RunID:       id,
		Kind:        runrecord.KindAttack,
		Name:        c.cfg.Name,
		Host:        runrecord.Host{Hostname: s.host},
		Plan:        c.cfg.PlanRecord,
		Start:       start.UTC(),
		End:         last.UTC(),
		Shard:       &runrecord.Shard{Index: s.index, Count: len(c.shards), Status: runrecord.ShardLost, Note: s.lost},
		Interrupted: true,
		Interval:    int64(c.cfg.Plan.Interval),
		Warnings: []string{"this record was rebuilt by the coordinator from the intervals the shard streamed before it was lost (" + s.lost +
			"): latency and counts are complete up to its last interval; status codes, error messages and bytes are not known"},
		Summary: sum,
	}
	return runrecord.Seal(dir, run, runrecord.LatencyLog, runrecord.IntervalsFile)
}

// shareOf is how many of the slot numbers 0..hits-1 belong to shard
// (slot n is shard n mod shards's).
func shareOf(hits, shard, shards uint64) uint64 {
	if shards <= 1 {
		return hits
	}
	if hits <= shard {
		return 0
	}
	return (hits-shard-1)/shards + 1
}

// writeMergedFiles writes the merged latency.hlog (every shard's
// intervals summed by absolute time, the exact HDR merge) and
// intervals.jsonl, as files of run runID.
func writeMergedFiles(out, runID string, dirs []string, rep *report.Report) error {
	f, err := runrecord.CreateAtomic(filepath.Join(out, runrecord.LatencyLog))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := runrecord.WriteMergedHlog(w, runID, dirs...); err != nil {
		f.Discard()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Discard()
		return fmt.Errorf("write merged latency log: %w", err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	rows := make([]runrecord.Interval, 0, len(rep.Intervals))
	at := map[int64]int{}
	for _, p := range rep.Intervals {
		at[p.StartMs] = len(rows)
		rows = append(rows, runrecord.Interval{StartMs: p.StartMs, Completed: uint64(p.Count), Errors: p.Errors})
	}
	if err := writeMergedGroups(out, runID, rep, rows, at); err != nil {
		return err
	}
	if err := writeMergedExemplars(out, runID, rep); err != nil {
		return err
	}
	return runrecord.WriteIntervals(out, runID, rows)
}

// writeMergedExemplars writes the shards' exemplars merged (per interval
// the K slowest of their union), so the merged record's page and text
// show the slowest requests as the offline merge of the shards does.
func writeMergedExemplars(out, runID string, rep *report.Report) error {
	if len(rep.Exemplars) == 0 {
		return nil
	}
	f, err := runrecord.CreateAtomic(filepath.Join(out, runrecord.ExemplarsFile))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	ew, err := runrecord.NewExemplarWriter(w, runID)
	if err == nil {
		err = errors.Join(ew.Write(rep.Exemplars), w.Flush())
	}
	if err != nil {
		f.Discard()
		return err
	}
	return f.Commit()
}

// writeMergedGroups writes the endpoint groups' merged groups.hlog and
// puts their errors in the merged intervals' rows (at: row by start).
func writeMergedGroups(out, runID string, rep *report.Report, rows []runrecord.Interval, at map[int64]int) error {
	pts, err := rep.GroupIntervals()
	if err != nil || len(pts) == 0 {
		return err
	}
	f, err := runrecord.CreateAtomic(filepath.Join(out, runrecord.GroupsLog))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := errors.Join(rep.WriteGroupsLog(w, runID), w.Flush()); err != nil {
		f.Discard()
		return fmt.Errorf("write merged groups log: %w", err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	for i, g := range pts {
		for _, p := range g.Intervals {
			j, ok := at[p.StartMs]
			if !ok || p.Errors == 0 {
				continue
			}
			if rows[j].GroupErrors == nil {
				rows[j].GroupErrors = map[string]uint64{}
			}
			rows[j].GroupErrors[runrecord.GroupTag(i)] = p.Errors
		}
	}
	return nil
}
