// Package history indexes run records in an embedded SQLite database, so
// that the runs of one load test can be listed, trended and compared
// without anyone keeping their paths in mind.
//
// Every run record, when written, is also a row: its id, name, labels
// (git=abc123, env=staging), kind, start and end, the record's path, and
// its headline metrics with their per-interval spread. The database is
// one file (runs/history.db by default) in WAL mode with a busy timeout,
// so several loadgen processes can write to it at once; its schema is
// versioned and a database from a newer loadgen is refused. The driver is
// modernc.org/sqlite, pure Go, so the binary stays static.
//
//	db, err := history.Open(ctx, "runs/history.db")
//	if err != nil { ... }
//	defer db.Close()
//	run, err := history.FromRecord("runs/checkout-20261122T101010Z")
//	err = db.Put(ctx, run)
//	runs, err := db.List(ctx, history.Filter{Name: "checkout"})
//	for _, t := range history.Trends(runs, history.DefaultTrendOptions()) { ... }
//
// Trends finds, per metric, the runs after which the level shifted
// (package changepoint) and says whether each shift is beyond the noise
// that loadgen compare measures inside each run.
package history
