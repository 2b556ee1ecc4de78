//go:build unix && !linux

package transport

import "syscall"

// writeFD writes b to a non-blocking socket.
func writeFD(fd uintptr, b []byte) (int, error) { return syscall.Write(int(fd), b) }
