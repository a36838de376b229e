// Package archtest holds the test that enforces DESIGN.md's import rules:
// data flows one way (attack -> recording -> run record -> report), reports
// read only run records, the collector knows nothing of the attack, and no
// library imports the CLI. Run it with `go test ./internal/archtest`; a
// failure names the forbidden edge. A new package must be given its rule
// in rules() before the test passes, so every arrow is a decision.
package archtest
