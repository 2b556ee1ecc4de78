package main

import (
	"io"
	"os"
)

// ioStreams are a command's standard streams, injected so that tests can
// read what it writes.
type ioStreams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// env is what a command gets from outside it: its streams and, for the
// servers, what stops them and who is told when they serve. main gives the
// process's own (Ctrl-C and SIGTERM stop a server); a test injects its own.
type env struct {
	ioStreams
	// stop, when set, stops a server instead of a signal; it is closed to
	// stop (the exit status is then that of SIGINT).
	stop <-chan struct{}
	// ready, when set, is told a server's address once it listens.
	ready func(addr string)
}

// processEnv is the environment of the running process.
func processEnv() *env {
	return &env{ioStreams: ioStreams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}}
}
