// Package livemetrics serves loadgen's own metrics while an attack runs,
// for Prometheus to scrape and Grafana to plot beside the target's:
// requests by status code and grouped error, intended-time and service
// latency and dispatch lag as native histograms (exact aggregation across
// generators; classic buckets alongside for servers without them),
// requests in flight, connections, workers, slots due and missed, and the
// plan as the labels of loadgen_attack_info. With tracing, the slowest
// traced request of each second so far carries its trace id as an
// exemplar, so a latency panel links to the trace.
//
// Nothing is kept per request: memory is bounded by the histograms'
// bucket limit and the bounded label values.
//
//	srv, err := livemetrics.Listen("127.0.0.1:9464")
//	m := livemetrics.New(attacker, livemetrics.Info{Name: "checkout", Schedule: "constant 500/1s"})
//	srv.Attach(m)
//	out := attacker.Run(ctx, m.Observe) // or alongside a recorder
//	m.Finish(out)
//
// deploy/prometheus and deploy/grafana in the repository hold a scrape
// configuration and a dashboard for these metrics.
package livemetrics
