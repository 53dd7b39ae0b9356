package difftest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill the reference server if the test
// process dies without running its cleanups.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
