package transport

import (
	"syscall"
	"unsafe"
)

// writeFD writes b to a non-blocking socket. The write returns at once, so
// it is made as a raw system call, which the Go scheduler does not treat as
// one that may block: with a plain one, a write that takes a while has its
// P handed to another thread by sysmon, at the cost of two thread switches
// and a busier sysmon. Measured under load (docs/benchmarks.md), this
// halved the schedulers' own p99 lateness. It is send(2) with MSG_NOSIGNAL
// rather than write(2): a client that reset its connection gets EPIPE
// without a SIGPIPE for the runtime to field, and the socket call skips the
// file layer.
func writeFD(fd uintptr, b []byte) (int, error) {
	r, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
