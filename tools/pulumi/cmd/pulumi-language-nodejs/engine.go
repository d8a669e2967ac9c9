package main

import (
	"io"
	"os"
	"time"
)

// watchEngine calls gone once the engine that started this process has gone away. An engine
// killed outright (SIGKILL, OOM) cannot stop its plugins, and nothing else tells them.
//
//   - The engine starts every plugin with a pipe on stdin that it never writes to, so end of file
//     on it comes the moment the engine's process ends, however it ended.
//   - Without that pipe (a host started by hand, or under a debugger), a new parent process (the
//     host re-parented when its parent ended) tells the same, checked every second.
func watchEngine(gone func()) {
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeNamedPipe != 0 {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			gone()
		}()
	}
	parent := os.Getppid()
	go func() {
		for range time.Tick(time.Second) {
			if os.Getppid() != parent {
				gone()
				return
			}
		}
	}()
}

// engineGone kills the programs this host runs and exits. SIGKILL, not an interrupt: the program's
// only way out (the engine's resource monitor) is gone, so it has nothing left to finish or record.
func (h *nodeHost) engineGone() {
	h.mu.Lock()
	for cmd := range h.running {
		_ = cmd.Process.Kill()
	}
	h.mu.Unlock()
	os.Exit(1)
}
