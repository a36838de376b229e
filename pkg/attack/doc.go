// Package attack drives HTTP load at an exact schedule on top of vegeta's
// attacker (github.com/tsenart/vegeta/v12/lib) and reports, for every hit,
// the time it was due as well as the time it was sent.
//
// A Schedule (constant, piecewise-linear stages or sine) knows the intended
// send time of hit n. Because vegeta numbers hits in send order under the same
// lock that stamps their send time, hit n is never sent before slot n is due,
// so latency measured from Schedule.Due(n) is free of coordinated omission.
//
// Typical use:
//
//	tgts, _ := attack.TargetsFromURLs([]string{"http://127.0.0.1:8080/"}, "GET", nil, nil)
//	sched, _ := attack.ParseRate("500/s")
//	a, _ := attack.New(tgts, sched, attack.Options{Duration: 10 * time.Second})
//	out, err := a.Run(ctx, func(r *attack.Result) { /* record r */ })
package attack
