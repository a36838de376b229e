package history

// applicationID marks a SQLite file as a loadgen history ("LGHI"), so Open
// refuses some other program's database instead of adding tables to it.
const applicationID = 0x4c474849

// migrations[i] takes the schema from version i to i+1 (PRAGMA
// user_version). Never edit a released one: append.
var migrations = []string{
	// 1: runs, their labels and metrics; a wide view for ad-hoc SQL.
	`
CREATE TABLE runs (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	kind        TEXT NOT NULL,
	start_ns    INTEGER NOT NULL, -- Unix nanoseconds
	end_ns      INTEGER NOT NULL,
	path        TEXT NOT NULL,    -- the record's directory, absolute
	interrupted INTEGER NOT NULL DEFAULT 0,
	slo         TEXT,             -- the -slo checks, NULL when none
	slo_pass    INTEGER,          -- 1 pass, 0 fail, NULL when no -slo
	loadgen     TEXT,             -- version that made the record
	indexed_ns  INTEGER NOT NULL
);
CREATE INDEX runs_by_name ON runs(name, start_ns);
CREATE INDEX runs_by_start ON runs(start_ns);
CREATE TABLE labels (
	run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	value  TEXT NOT NULL,
	PRIMARY KEY (run_id, key)
);
CREATE INDEX labels_by_value ON labels(key, value);
CREATE TABLE metrics (
	run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
	name   TEXT NOT NULL, -- JSON key path of the summary: latency.p99, throughput, ...
	value  REAL NOT NULL, -- the summary's units: durations in ns, ratios 0..1
	sigma  REAL,          -- robust σ of its per-interval values, when it has them
	n      INTEGER,       -- how many per-interval values
	PRIMARY KEY (run_id, name)
);
CREATE VIEW run_metrics AS
SELECT r.id, r.name, r.kind, datetime(r.start_ns / 1000000000, 'unixepoch') AS start, r.slo_pass, r.path,
	max(CASE WHEN m.name = 'requests' THEN m.value END) AS requests,
	max(CASE WHEN m.name = 'throughput' THEN m.value END) AS throughput,
	max(CASE WHEN m.name = 'success_ratio' THEN m.value END) AS success_ratio,
	max(CASE WHEN m.name = 'latency.p50' THEN m.value / 1e6 END) AS p50_ms,
	max(CASE WHEN m.name = 'latency.p99' THEN m.value / 1e6 END) AS p99_ms,
	max(CASE WHEN m.name = 'latency.p999' THEN m.value / 1e6 END) AS p999_ms,
	max(CASE WHEN m.name = 'service_latency.p99' THEN m.value / 1e6 END) AS service_p99_ms,
	max(CASE WHEN m.name = 'dispatch_lag.p99' THEN m.value / 1e6 END) AS lag_p99_ms,
	max(CASE WHEN m.name = 'target.cpu_percent.mean' THEN m.value END) AS target_cpu_percent,
	max(CASE WHEN m.name = 'target.rss_bytes.max' THEN m.value END) AS target_rss_bytes,
	max(CASE WHEN m.name = 'capacity.sustainable_rate' THEN m.value END) AS sustainable_rate
FROM runs r LEFT JOIN metrics m ON m.run_id = r.id
GROUP BY r.id;
`,
}
