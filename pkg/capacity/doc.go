// Package capacity searches for the highest request rate a target sustains
// while meeting an SLO: the SRE question "how much does one instance take
// before p99 breaks 50 ms?", answered without bisecting -rate by hand.
//
// The search grows the rate geometrically from MinRate until a step fails
// the SLO (or MaxRate passes), then bisects between the last passing and
// the first failing rate until they are within Precision of each other.
// Each step warms up at its rate on connections kept open across steps
// (attack.Pool), measures a window of StepDuration as an ordinary run
// record in steps/NN/, and cools down. A step that is clearly failing (the
// median of several consecutive intervals already beyond a latency bound,
// or more errors than the whole step may have) stops early. A failing step
// is measured once more before it counts (Retries): below capacity a failure
// is noise, above it every attempt fails.
//
//	set, _ := slo.Parse("p99<50ms,success>=99.9%")
//	res, err := capacity.Search(ctx, capacity.Config{
//		Plan: runner.Plan{Targets: tgts, Options: attack.DefaultOptions(), Out: "runs/cap", SLO: set},
//		MinRate: 50, MaxRate: 5000,
//	})
//	fmt.Println(res.Summary.Capacity.SustainableRate)
//
// Latency is measured from each request's intended send time, which is what
// makes a step above capacity fail: the target's queue grows for as long as
// the step lasts, and so does the latency users would see.
package capacity
