//go:build unix

package transport

import (
	"net"
	"syscall"
)

// clientGone checks, without blocking, whether the client closed its side
// of the connection: a peek that finds end-of-file (or an error) means it
// left. Bytes the client sent are left unread.
func clientGone(c net.Conn) bool {
	raw := rawConn(c)
	if raw == nil {
		return false
	}
	gone := false
	var buf [1]byte
	_ = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		gone = (n == 0 && err == nil) || (err != nil && err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR)
		return true
	})
	return gone
}

// rawConn returns raw access to c's socket, or nil.
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// socketFD returns the socket under c, to be written to directly by the
// one goroutine that owns the connection until it closes it or hands it
// on (the scheduler; a slow-write goroutine uses c itself).
func socketFD(c net.Conn) (uintptr, bool) {
	raw := rawConn(c)
	if raw == nil {
		return 0, false
	}
	var fd uintptr
	if raw.Control(func(f uintptr) { fd = f }) != nil {
		return 0, false
	}
	return fd, true
}

// writeAll writes b to a non-blocking socket as far as it takes it; it
// never waits (n < len(b) with a nil error: the socket buffer is full).
func writeAll(fd uintptr, b []byte) (n int, err error) {
	for n < len(b) {
		m, err := writeFD(fd, b[n:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			return n, nil
		case err != nil:
			return n, err
		}
		n += m
	}
	return n, nil
}

// waitReadable returns when the connection has something to read (or has
// ended: the reader finds out), or with the error that stopped the wait
// (its read deadline, or it was closed).
func waitReadable(raw syscall.RawConn) error {
	var buf [1]byte
	return raw.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR
	})
}
