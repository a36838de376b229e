package main

import (
	"fmt"
	"strings"

	"github.com/loadgen/loadgen/pkg/runrecord"
	"github.com/loadgen/loadgen/pkg/slo"
)

// sloHelp documents -slo where it is registered (attack, capacity).
const sloHelp = "service level objectives, a comma list of KEY OP VALUE checks like 'p99<50ms,p999<200ms,success>=99.9%,missed==0'; " +
	"OP is < <= > >= ==; KEY is a latency (min mean p50 p90 p95 p99 p999 p9999 max, also service_* and lag_p50/p99/max) with ns/us/ms/s, " +
	"success (% or 0..1), throughput or rate (/s), missed, requests, target_cpu[_max] (%), target_rss[_max] (B, MB, GiB); " +
	"when any check fails the exit status is 3"

// sloValue is the -slo flag: parsed when set, so a bad expression is a
// usage error before any traffic is sent.
type sloValue struct{ set *slo.Set }

func (v *sloValue) String() string {
	if v == nil {
		return ""
	}
	return v.set.String()
}

func (v *sloValue) Set(s string) error {
	set, err := slo.Parse(s)
	if err != nil {
		return err
	}
	v.set = set
	return nil
}

// sloFailure turns a failed SLO verdict into the exitSLO status, naming
// the checks that failed; nil when there is no SLO or it passed.
func sloFailure(res *runrecord.SLOResult) error {
	if res == nil || res.Pass {
		return nil
	}
	var failed []string
	for _, c := range res.Checks {
		if c.Pass {
			continue
		}
		if c.Note != "" {
			failed = append(failed, fmt.Sprintf("%s (not measured)", c.Expr))
		} else {
			failed = append(failed, fmt.Sprintf("%s (measured %.4g%s)", c.Expr, c.Value, c.Unit))
		}
	}
	return exitError{exitSLO, fmt.Errorf("SLO failed: %s", strings.Join(failed, ", "))}
}
