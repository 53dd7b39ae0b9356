package redismanager

import (
	"os/exec"
	"syscall"
)

// orphanGuard makes a test server die with the test binary, even when a
// test timeout kills the binary before TestMain can stop its servers.
func orphanGuard(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
