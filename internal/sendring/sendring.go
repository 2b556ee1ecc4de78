// Package sendring makes many small socket writes in one system call: an
// io_uring whose submissions are non-blocking sends (IORING_OP_SEND with
// MSG_DONTWAIT and MSG_NOSIGNAL), so that a replay scheduler's pass of 50
// writes enters the kernel once, not 50 times. The kernel does the same
// work for each send as send(2) would, inline while it takes the
// submission; what goes is the entry into and exit from the kernel per
// write, which on a machine with page-table isolation is a good part of a
// small write's cost (docs/benchmarks.md).
//
// It is written here rather than taken from a library because it is the
// core of the hot path and small: one operation, no registered buffers or
// files, no polling thread, no cgo. Where io_uring cannot be set up (not
// Linux, a kernel before 5.18, a seccomp profile that forbids it), New
// says why and the caller writes with send(2).
package sendring

import "errors"

// Send is one send: the socket, the bytes, and what the send did, as one
// non-blocking send(2) would: N < len(B) with a nil Err when the socket took
// no more (EAGAIN is not an error here).
type Send struct {
	FD  uintptr
	B   []byte
	N   int
	Err error
}

// Errors of SendAll.
var (
	// ErrBroken: the ring failed with sends taken; their results are unknown.
	ErrBroken = errors.New("io_uring failed with sends in flight")
	// ErrTooMany: more sends than Capacity, none of them made.
	ErrTooMany = errors.New("more sends than the ring takes at once")
)
