package capacity

import (
	"fmt"
	"time"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// Shortfall tolerance. A step at a rate the target sustains delivers it,
// give or take the responses that straddle the edges of the window it is
// measured over (a request or two each side) and timer jitter; a step
// above capacity delivers the capacity, whatever the SLO says about the
// latency of the queue that builds meanwhile. The tolerance is the
// relative share of three requests over the window, plus 2 %.
// Below minJudged requests in the window, the edges and a stall of a
// busy box move the count by more than the few per cent that separate a
// rate just above capacity from one just below it: no verdict then.
const (
	shortfallBase  = 0.02
	shortfallEdges = 3.0
	minJudged      = 200
)

// delivered is the rate at which a step's requests completed successfully
// during its steady part: the latency intervals that lie wholly inside
// the window the step sent in (began, began+sending). The first and last
// are cut by its start and end, and the responses that drain after
// sending stopped are not the rate the target kept up with. ok is false
// when fewer than two intervals qualify: the step is too short to judge.
func delivered(rows []runrecord.Interval, interval time.Duration, began time.Time, sending time.Duration) (rate float64, window time.Duration, ok bool) {
	if interval <= 0 {
		return 0, 0, false
	}
	from, to := began.UnixMilli(), began.Add(sending).UnixMilli()
	iv := interval.Milliseconds()
	var n, succ uint64
	for _, r := range rows {
		if r.StartMs < from || r.StartMs+iv > to {
			continue
		}
		n++
		succ += r.Completed - min(r.Errors, r.Completed)
	}
	if n < 2 {
		return 0, 0, false
	}
	window = time.Duration(n) * interval
	return float64(succ) / window.Seconds(), window, true
}

// shortfall says why a step did not sustain its offered rate ("" when it
// did, within noise): its steady delivered rate fell short of the offer.
func shortfall(offered, got float64, window time.Duration) string {
	if offered <= 0 || window <= 0 || offered*window.Seconds() < minJudged {
		return ""
	}
	tol := shortfallBase + shortfallEdges/(offered*window.Seconds())
	short := 1 - got/offered
	if short <= tol {
		return ""
	}
	return fmt.Sprintf("delivered %.1f/s of the %.4g/s offered (%.1f%% short, beyond the %.1f%% noise allowance): the target did not sustain the rate", got, offered, short*100, tol*100)
}

// sustained judges a measured step from its record: "" when it delivered
// its rate (or is too short to tell), else why not.
func sustained(run *runrecord.Run, dir string, offered float64) (string, error) {
	rows, err := runrecord.ReadIntervals(dir)
	if err != nil {
		return "", err
	}
	got, window, ok := delivered(rows, time.Duration(run.Interval), run.Start, run.Summary.Duration)
	if !ok {
		return "", nil
	}
	return shortfall(offered, got, window), nil
}
