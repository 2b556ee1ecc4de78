//go:build unix

package replayer

import (
	"net"
	"syscall"
)

// clientGone checks, without blocking, whether the client closed its side
// of the connection: a peek that finds end-of-file (or an error) means it
// left. Bytes the client sent are left unread.
func clientGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
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

// rawConn returns what writes to c without blocking, or nil.
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

// rawWrite writes sc.wb to a non-blocking socket as far as it takes it,
// adding to sc.wn; it never waits (a full socket buffer stops it).
func (sc *scheduler) rawWrite(fd uintptr) bool {
	for len(sc.wb) > 0 {
		n, err := writeFD(fd, sc.wb)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN || err == syscall.EWOULDBLOCK {
			break
		}
		if err != nil {
			sc.werr = err
			break
		}
		sc.wn += n
		sc.wb = sc.wb[n:]
	}
	return true
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
