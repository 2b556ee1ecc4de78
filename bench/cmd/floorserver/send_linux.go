package main

import (
	"syscall"
	"unsafe"
)

// send writes b to the non-blocking socket fd with send(2) and
// MSG_NOSIGNAL, as a raw system call: the scheduler does not treat it as
// one that may block, as for ssetape's writes (replayer/write_linux.go).
func send(fd uintptr, b []byte) (int, error) {
	r, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MSG_NOSIGNAL, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}
