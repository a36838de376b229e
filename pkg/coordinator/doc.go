// Package coordinator runs one attack from several generators (shards) as
// if from one: a start barrier with a common start instant, clock offsets
// estimated NTP-style, a live merged view, and one merged run record whose
// latency is the exact HdrHistogram merge of every shard's.
//
// Shard i of N sends the slots n with n mod N = i of the one schedule, each
// at its own intended time from the common start, so the shards together
// send exactly what one generator would have. Each shard streams its
// closed intervals (the lines of its latency.hlog, in the log's own text
// encoding) as they close, and uploads its finished record at the end;
// the coordinator writes each under shards/INDEX of the merged record and
// merges them the way `loadgen report a b c` does (report.Load), so every
// series the record holds merges, not only the ones this package knows.
//
// The coordinator's side:
//
//	c, err := coordinator.New(coordinator.Config{Plan: plan, Schedule: sched,
//		Duration: 30 * time.Second, Out: "runs/merged"})
//	ln, _ := net.Listen("tcp", "127.0.0.1:7070")
//	run, err := c.Run(ctx, ln) // barrier, live merge, merged record
//
// A shard's side (package runner does the attack):
//
//	link, err := coordinator.Join(ctx, coordinator.ShardConfig{URL: "http://127.0.0.1:7070", Index: 2, Plan: plan})
//	start, err := link.WaitStart(ctx)   // the barrier
//	opts.Start = start                  // slot n due at start+Due(n)
//	// run the attack with link.Interval as the recorder's OnInterval
//	err = link.Finish(ctx, dir)         // upload the shard's record
//
// The protocol is HTTP with JSON bodies, bounded in size and time on both
// sides. A shard that loses its coordinator keeps attacking and keeps its
// own record complete; a coordinator that loses a shard finishes, names it
// and the last interval it received, and marks the SLO verdict partial.
package coordinator
