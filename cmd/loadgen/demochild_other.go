//go:build !linux

package main

import "os/exec"

// setChildAttrs has nothing to set outside Linux; Stop ends the child.
func setChildAttrs(*exec.Cmd) {}
