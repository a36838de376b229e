package coordinator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Handler serves the protocol (Run serves it on its listener; it is
// exported for tests and for embedding in another server).
func (c *Coordinator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathClock, c.handleClock)
	mux.HandleFunc("POST "+pathRegister, c.handleRegister)
	mux.HandleFunc("POST "+pathStart, c.handleStart)
	mux.HandleFunc("POST "+pathIntervals, c.handleIntervals)
	mux.HandleFunc("POST "+pathRecord, c.handleRecord)
	mux.HandleFunc("GET "+pathStatus, func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, c.Status())
	})
	return mux
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, code int, rf refusal) {
	reply(w, code, rf)
}

// decode reads a JSON body of at most limit bytes.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		code := http.StatusBadRequest
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			code = http.StatusRequestEntityTooLarge
		}
		refuse(w, code, refusal{Code: codeBadInput, Error: err.Error()})
		return false
	}
	return true
}

func (c *Coordinator) handleClock(w http.ResponseWriter, r *http.Request) {
	recv := time.Now().UnixNano()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"recv":%d,"send":%d}`, recv, time.Now().UnixNano())
}

func (c *Coordinator) handleRegister(w http.ResponseWriter, r *http.Request) {
	var reg registration
	if !decode(w, r, maxSmallBody, &reg) {
		return
	}
	n := c.cfg.Plan.Shards
	if reg.Shard < 0 || reg.Shard >= n {
		refuse(w, http.StatusBadRequest, refusal{Code: codeBadShard,
			Error: fmt.Sprintf("shard %d does not exist: this run has shards 0 to %d", reg.Shard, n-1)})
		return
	}
	if diffs := reg.Plan.Diff(c.cfg.Plan); len(diffs) > 0 {
		c.mu.Lock()
		if c.mismatch == nil && !c.started {
			c.mismatch = &MismatchError{Shard: reg.Shard, Host: reg.Host, Diffs: diffs}
		}
		c.mu.Unlock()
		c.logf("refused shard %d (%s): its plan differs: %v", reg.Shard, reg.Host, diffs)
		c.poke()
		refuse(w, http.StatusConflict, refusal{Code: codePlan, Error: ErrPlanMismatch.Error(), Diffs: diffs})
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.shards[reg.Shard]
	switch {
	case c.abortMsg != "":
		refuse(w, http.StatusConflict, refusal{Code: codeAborted, Error: c.abortMsg})
		return
	case c.started:
		c.refused = append(c.refused, fmt.Sprintf("shard %d (%s) came after the start", reg.Shard, reg.Host))
		refuse(w, http.StatusConflict, refusal{Code: codeStarted,
			Error: fmt.Sprintf("the run started at %s without this shard; a late shard would send its whole share late", c.start.UTC().Format(time.RFC3339Nano))})
		return
	case s.registered:
		c.refused = append(c.refused, fmt.Sprintf("shard %d registered twice (%s, then %s)", reg.Shard, s.host, reg.Host))
		c.logf("refused shard %d from %s: already registered from %s", reg.Shard, reg.Host, s.host)
		refuse(w, http.StatusConflict, refusal{Code: codeDuplicate,
			Error: fmt.Sprintf("shard %d is already registered from %s", reg.Shard, s.host)})
		return
	}
	s.registered, s.host, s.lastHeard = true, reg.Host, time.Now()
	c.logf("shard %d/%d registered from %s (plan %s)", reg.Shard, n, reg.Host, reg.PlanHash)
	c.poke()
	reply(w, http.StatusOK, registered{Run: c.run, Interval: c.cfg.Plan.Interval})
}

// shardFor checks a request's run and shard and marks the shard heard.
func (c *Coordinator) shardFor(w http.ResponseWriter, run string, shard int) *shardState {
	if run != c.run {
		refuse(w, http.StatusConflict, refusal{Code: codeRun, Error: "unknown run " + strconv.Quote(run) + "; this coordinator runs " + c.run})
		return nil
	}
	if shard < 0 || shard >= len(c.shards) {
		refuse(w, http.StatusBadRequest, refusal{Code: codeBadShard, Error: fmt.Sprintf("no shard %d", shard)})
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.shards[shard]
	if !s.registered {
		refuse(w, http.StatusConflict, refusal{Code: codeRun, Error: fmt.Sprintf("shard %d is not registered", shard)})
		return nil
	}
	s.lastHeard = time.Now()
	return s
}

// startHold is how long a start poll waits before answering "not yet".
const startHold = 20 * time.Second

func (c *Coordinator) handleStart(w http.ResponseWriter, r *http.Request) {
	var p startPoll
	if !decode(w, r, maxSmallBody, &p) {
		return
	}
	s := c.shardFor(w, p.Run, p.Shard)
	if s == nil {
		return
	}
	c.mu.Lock()
	s.offset, s.rtt = p.ClockOffset, p.RTT
	c.mu.Unlock()
	hold := time.NewTimer(startHold)
	defer hold.Stop()
	select {
	case <-c.startCh:
		c.mu.Lock()
		start := c.start
		c.mu.Unlock()
		reply(w, http.StatusOK, startReply{Start: start.UnixNano()})
	case <-c.abortCh:
		c.mu.Lock()
		msg := c.abortMsg
		c.mu.Unlock()
		reply(w, http.StatusOK, startReply{Abort: msg})
	case <-hold.C:
		reply(w, http.StatusOK, startReply{})
	case <-r.Context().Done():
	}
}

func (c *Coordinator) handleIntervals(w http.ResponseWriter, r *http.Request) {
	var b intervalBatch
	if !decode(w, r, maxBatchBody, &b) {
		return
	}
	s := c.shardFor(w, b.Run, b.Shard)
	if s == nil {
		return
	}
	s.io.Lock()
	defer s.io.Unlock()
	c.mu.Lock()
	if b.HlogHeader != "" && s.header == nil {
		s.header = []byte(b.HlogHeader)
	}
	if b.StartLag != nil && s.startLag == nil {
		lag := *b.StartLag
		s.startLag = &lag
		c.logf("shard %d began %s after the start (clock offset %s, rtt %s)", s.index, lag, s.offset, s.rtt)
	}
	s.dropped = max(s.dropped, b.Dropped)
	header, uploaded, next := s.header, s.uploaded, s.nextSeq
	stop := c.stop
	c.mu.Unlock()

	if !uploaded && header != nil {
		var fresh []interval
		for _, iv := range b.Intervals {
			if iv.Seq >= next {
				fresh = append(fresh, iv)
				next = iv.Seq + 1
			}
		}
		if err := c.spool(s.index, header, fresh); err != nil {
			c.logf("shard %d: %v", s.index, err)
		}
		for _, iv := range fresh {
			series, err := parseInterval(header, iv.Hlog)
			if err != nil {
				c.logf("shard %d: interval %d: %v", s.index, iv.Seq, err)
				continue
			}
			c.live.add(s.index, iv, series)
		}
		c.mu.Lock()
		for _, iv := range fresh {
			s.intervals++
			s.requests += iv.N
			s.lastInterval = max(s.lastInterval, iv.StartMs)
		}
		s.nextSeq = next
		c.mu.Unlock()
	}
	c.poke()
	reply(w, http.StatusOK, batchReply{Stop: stop})
}

// parseInterval decodes one interval's hlog lines with the shard's header.
func parseInterval(header []byte, lines string) (runrecord.Series, error) {
	buf := make([]byte, 0, len(header)+len(lines))
	buf = append(append(buf, header...), lines...)
	_, _, s, err := runrecord.NewHlogReader(bytes.NewReader(buf), "interval").Next()
	return s, err
}

// spool appends a shard's intervals to Out/shards/I: latency.hlog and
// intervals.jsonl grow as they arrive, so a shard that dies mid-run
// leaves the coordinator what it had streamed. The shard's uploaded
// record replaces them.
func (c *Coordinator) spool(shard int, header []byte, ivs []interval) error {
	if len(ivs) == 0 {
		return nil
	}
	dir := filepath.Join(c.cfg.Out, shardsDir, strconv.Itoa(shard))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(dir, runrecord.LatencyLog)
	var hlog bytes.Buffer
	if _, err := os.Stat(logPath); errors.Is(err, os.ErrNotExist) {
		hlog.Write(header)
	}
	var rows bytes.Buffer
	enc := json.NewEncoder(&rows)
	for _, iv := range ivs {
		hlog.WriteString(iv.Hlog)
		_ = enc.Encode(runrecord.Interval{StartMs: iv.StartMs, Completed: iv.N, Errors: iv.Errors})
	}
	if err := appendFile(logPath, hlog.Bytes()); err != nil {
		return err
	}
	return appendFile(filepath.Join(dir, runrecord.IntervalsFile), rows.Bytes())
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func (c *Coordinator) handleRecord(w http.ResponseWriter, r *http.Request) {
	shard, err := strconv.Atoi(r.URL.Query().Get("shard"))
	if err != nil {
		refuse(w, http.StatusBadRequest, refusal{Code: codeBadShard, Error: "shard: " + err.Error()})
		return
	}
	s := c.shardFor(w, r.URL.Query().Get("run"), shard)
	if s == nil {
		return
	}
	s.io.Lock()
	defer s.io.Unlock()
	c.mu.Lock()
	merging := c.merging && s.lost != ""
	c.mu.Unlock()
	if merging {
		refuse(w, http.StatusConflict, refusal{Code: codeStarted, Error: "too late: the coordinator has merged without this shard"})
		return
	}
	dir := filepath.Join(c.cfg.Out, shardsDir)
	tmp, err := os.MkdirTemp(dir, ".upload-")
	if err != nil {
		refuse(w, http.StatusInternalServerError, refusal{Code: codeBadInput, Error: err.Error()})
		return
	}
	defer os.RemoveAll(tmp)
	body := http.MaxBytesReader(w, r.Body, c.cfg.MaxUpload)
	if err := unpackRecord(body, filepath.Join(tmp, "r"), 8*c.cfg.MaxUpload); err != nil {
		refuse(w, http.StatusBadRequest, refusal{Code: codeBadInput, Error: err.Error()})
		return
	}
	// Open, not Read: every file must be the one the shard sealed (a cut
	// upload or a file of another run is refused).
	run, err := runrecord.Open(filepath.Join(tmp, "r"))
	if err == nil && (run.Shard == nil || run.Shard.Index != shard || run.Shard.Count != len(c.shards)) {
		err = fmt.Errorf("the record is not shard %d of %d", shard, len(c.shards))
	}
	if err != nil {
		refuse(w, http.StatusBadRequest, refusal{Code: codeBadInput, Error: err.Error()})
		return
	}
	final := filepath.Join(dir, strconv.Itoa(shard))
	if err := os.RemoveAll(final); err == nil {
		err = os.Rename(filepath.Join(tmp, "r"), final)
	}
	if err != nil {
		refuse(w, http.StatusInternalServerError, refusal{Code: codeBadInput, Error: err.Error()})
		return
	}
	c.mu.Lock()
	s.uploaded, s.uploadedRun, s.lost = true, run, ""
	s.requests = run.Summary.Requests
	c.mu.Unlock()
	c.logf("shard %d (%s): record received, %d requests", shard, s.host, run.Summary.Requests)
	c.live.forget(shard)
	c.poke()
	reply(w, http.StatusOK, struct{}{})
}
