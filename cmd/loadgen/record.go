package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/loadgen/loadgen/pkg/attack"
	"github.com/loadgen/loadgen/pkg/report/html"
	"github.com/loadgen/loadgen/pkg/runner"
	"github.com/loadgen/loadgen/pkg/runrecord"
)

// defaultOut is runs/<name>-<UTC time>, made unique if it exists.
func defaultOut(name string, now time.Time) string {
	if name == "" {
		name = "attack"
	}
	safe := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, name)
	base := fmt.Sprintf("runs/%s-%s", safe, now.UTC().Format("20060102T150405Z"))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// writeHTML renders a run record's report.html from the record on disk.
// The runner stops at the record; what to render is the CLI's choice.
func writeHTML(dir string) error {
	if _, err := html.WriteRecord(dir); err != nil {
		return fmt.Errorf("HTML report: %w", err)
	}
	return nil
}

// redactArgs hides the values of secret headers given on the command line
// (-header, -collect-header: every collector header is secret) before the
// command line is recorded. URL secrets are masked by the runner.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if i == 0 {
			continue
		}
		prev := strings.TrimLeft(args[i-1], "-")
		if prev != "header" && prev != "collect-header" && prev != "H" {
			if k, v, ok := strings.Cut(a, "="); ok && (strings.TrimLeft(k, "-") == "header" || strings.TrimLeft(k, "-") == "collect-header") {
				out[i] = k + "=" + redactHeaderArg(v, strings.TrimLeft(k, "-") == "collect-header")
			}
			continue
		}
		out[i] = redactHeaderArg(a, prev == "collect-header")
	}
	return out
}

func redactHeaderArg(h string, always bool) string {
	name, _, ok := strings.Cut(h, ":")
	if ok && (always || runrecord.IsSecretHeader(strings.TrimSpace(name))) {
		return strings.TrimSpace(name) + ": REDACTED"
	}
	return h
}

// optionFlag is the flag that sets an attack option a library error
// names ("" when none does).
func optionFlag(option string) string {
	switch option {
	case "Duration", "MaxWorkers", "Workers", "Client", "Pacing", "Timeout", "Connections", "MaxConnections", "Redirects", "Resolvers", "ConnectTo", "TraceSample":
		// CamelCase field -> -kebab-case flag: MaxWorkers -> -max-workers.
		var b strings.Builder
		for i, r := range option {
			if r >= 'A' && r <= 'Z' {
				if i > 0 {
					b.WriteByte('-')
				}
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		}
		return "-" + b.String()
	}
	return ""
}

// inFlagWords says a library's error about a setting in terms of the flag
// that sets it.
func inFlagWords(err error) error {
	if e := dirInFlagWords(err); e != nil {
		return e
	}
	var oe *attack.OptionError
	switch {
	case errors.As(err, &oe):
		if f := optionFlag(oe.Option); f != "" {
			return fmt.Errorf("%s: %w", f, err)
		}
	case errors.Is(err, attack.ErrNoTargets):
		return fmt.Errorf("no target: give -url URL (repeatable) or -targets FILE, or pipe targets in vegeta's format on stdin (%w)", err)
	case errors.Is(err, runner.ErrUnknownGroup):
		return fmt.Errorf("-slo: %w (groups are named by method and URL, -group rules or a targets file; see -h)", err)
	}
	return err
}

// checkRecords opens every directory as a run record first (run.json in
// range, every file the run's own), so that a directory that is not a
// valid record is bad input (exit 2), said before any output, whatever
// the command does with the records next.
func checkRecords(dirs []string) error {
	for _, d := range dirs {
		if _, err := runrecord.Open(d); err != nil {
			return badRecord(err)
		}
	}
	return nil
}
