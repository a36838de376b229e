package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/loadgen/loadgen/pkg/runrecord"
)

// outFlags are -out and -overwrite, shared by every command that writes a
// run record (attack, capacity, run, demo).
type outFlags struct {
	out       string
	overwrite bool
}

// overwriteHelp states the policy where the flag is documented: a run
// never writes into a directory that holds another run.
const overwriteHelp = "replace the run record already in -out: every file of the earlier run (profiles, timeline, steps, report) is removed first. " +
	"Without it an -out that holds a record is refused, so two runs never mix; a directory with other files is never replaced"

func (o *outFlags) register(fs *flag.FlagSet, outHelp string) {
	fs.StringVar(&o.out, "out", "", outHelp)
	fs.BoolVar(&o.overwrite, "overwrite", false, overwriteHelp)
}

// dirInFlagWords says a runrecord.PrepareDir refusal with the flags that
// resolve it; nil when err is not one.
func dirInFlagWords(err error) error {
	var de *runrecord.DirError
	if !errors.As(err, &de) {
		return nil
	}
	files := strings.Join(de.Files, ", ")
	if errors.Is(err, runrecord.ErrRecordExists) {
		return fmt.Errorf("-out %s already holds a run record (%s): give -overwrite to replace it, or another -out", de.Dir, files)
	}
	return fmt.Errorf("-out %s holds files that are not part of a run record (%s): choose another -out (loadgen never removes them, even with -overwrite)", de.Dir, files)
}
