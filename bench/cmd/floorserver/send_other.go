//go:build !linux

package main

import "syscall"

// send writes b to the non-blocking socket fd.
func send(fd uintptr, b []byte) (int, error) { return syscall.Write(int(fd), b) }
