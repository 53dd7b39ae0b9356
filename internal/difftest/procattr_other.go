//go:build !linux

package difftest

import "os/exec"

func setPdeathsig(cmd *exec.Cmd) {}
