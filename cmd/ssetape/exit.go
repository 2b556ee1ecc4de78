package main

import (
	"errors"
	"fmt"
)

// Exit statuses, the same for every command (README.md, "Exit status").
const (
	exitOK          = 0   // all good, warnings included
	exitCheckFailed = 1   // a check failed (a broken contract)
	exitUsage       = 2   // unusable input or usage: bad flag, bad cassette, bad fault spec
	exitRuntime     = 3   // a runtime failure: port in use, upstream unreachable
	exitInterrupted = 130 // Ctrl-C, after saving what there is
)

// exitError carries the exit status an error stands for.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is for bad flags, arguments and input files (exit 2).
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// inputError marks err, a problem with the user's input, as exit 2.
func inputError(err error) error { return &exitError{code: exitUsage, err: err} }

// runtimeError marks err as a runtime failure (exit 3).
func runtimeError(err error) error { return &exitError{code: exitRuntime, err: err} }

// exitCode maps an error to its exit status. Errors without a status come
// from cobra's own argument and flag handling, so they are usage errors.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
