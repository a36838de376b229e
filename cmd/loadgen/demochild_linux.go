package main

import (
	"os/exec"
	"syscall"
)

// setChildAttrs puts the demo target in its own process group, so a Ctrl-C
// at the terminal stops the attack but leaves the target up for the last
// profiles, and has the kernel kill it if loadgen dies without cleaning up.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
