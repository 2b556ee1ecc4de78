package replayer

import (
	"syscall"
	"unsafe"
)

// writeFD writes b to a non-blocking socket. The write returns at once, so
// it is made as a raw system call, which the Go scheduler does not treat as
// one that may block: with a plain one, a write that takes a while has its
// P handed to another thread by sysmon, at the cost of two thread switches
// and a busier sysmon. Measured under load (docs/benchmarks.md), this
// halved the schedulers' own p99 lateness.
func writeFD(fd uintptr, b []byte) (int, error) {
	r, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
