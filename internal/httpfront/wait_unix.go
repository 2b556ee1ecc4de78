//go:build unix

package httpfront

import (
	"io"
	"syscall"
)

// An idle connection holds no head buffer. It waits for its next request
// in a read of the socket itself that takes a buffer from the pool for
// each try and gives it back when the socket has nothing yet, so that the
// buffer is out only while there are bytes in it. It makes the system
// calls net.Conn's Read would. With thousands of keep-alive connections
// between streams, a buffer each emptied the pool, and every connection
// given back after a stream allocated one (docs/benchmarks.md). (A peek at
// one byte before taking the buffer cost a system call more whenever the
// request was there before the wait; a small array on the stack to read
// into grew the waiting goroutines' stacks.)

// socketFD is the socket under fc's connection, found once a connection:
// the transport writes a stream taken over to it directly (SocketFD).
func (fc *conn) socketFD() (uintptr, bool) {
	if !fc.fdKnown {
		if fc.raw == nil {
			return 0, false // not a socket, or not one yet (prefixConn)
		}
		if fc.raw.Control(func(fd uintptr) { fc.fd = fd }) != nil {
			return 0, false
		}
		fc.fdKnown = true
	}
	return fc.fd, true
}

// readRequest waits for the next request on fc (until the read deadline)
// and returns what there is of it in a buffer from the pool, which the
// caller puts back.
func (fc *conn) readRequest() (bp *[]byte, n int, err error) {
	if fc.raw == nil {
		if sc, ok := fc.c.(syscall.Conn); ok {
			fc.raw, _ = sc.SyscallConn()
		}
		if fc.raw == nil {
			return fc.readRequestPlain()
		}
		fc.readFn = fc.readWhenReadable // once a connection: a method value allocates
	}
	fc.rbp, fc.rn, fc.rerr = nil, 0, nil
	// The poller's wait, deadline and close apply. The read holds a
	// buffer only when it succeeded, and then Read returns nil.
	if err := fc.raw.Read(fc.readFn); err != nil {
		return nil, 0, err
	}
	if fc.rerr != nil {
		return nil, 0, fc.rerr
	}
	bp, n = fc.rbp, fc.rn
	fc.rbp = nil
	return bp, n, nil
}

// readWhenReadable is readRequest's read: false when there is nothing to
// read yet (the poller then waits for the socket), true once it read or
// failed.
func (fc *conn) readWhenReadable(fd uintptr) bool {
	bp := takeBuf()
	for {
		n, err := syscall.Read(int(fd), *bp)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			giveBuf(bp) // not held while the connection waits
			return false
		case err != nil:
			giveBuf(bp)
			fc.rerr = err
		case n <= 0:
			giveBuf(bp)
			fc.rerr = io.EOF
		default:
			fc.rbp, fc.rn = bp, n
		}
		return true
	}
}
