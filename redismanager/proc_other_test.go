//go:build !linux

package redismanager

import "os/exec"

func orphanGuard(cmd *exec.Cmd) {}
