//go:build unix

package httpfront

import (
	"io"
	"syscall"
)

// An idle connection holds no head buffer. It waits for its next request
// with a peek of one byte at its socket, and takes a buffer from the pool
// only once the socket is readable. The peek takes the place of the read
// that would have found nothing; once the poller says the socket is
// readable, the read goes straight into the buffer. So waiting costs no
// system call more, unless the request was there before the wait (then the
// peek is one more). With thousands of keep-alive connections between
// streams, a buffer each was a large part of the server's memory at the
// end of a load (docs/benchmarks.md). (A small array on the stack to read
// into instead of the peek cost more: the goroutines that wait grew their
// stacks for it.)

// readRequest waits for the next request on fc (until the read deadline)
// and returns what there is of it in a buffer from the pool, which the
// caller puts back. soon says the request is likely there already or about
// to be (a connection just accepted): then it reads without the peek.
func (fc *conn) readRequest(soon bool) (bp *[]byte, n int, err error) {
	if fc.raw == nil {
		if sc, ok := fc.c.(syscall.Conn); ok {
			fc.raw, _ = sc.SyscallConn()
		}
		if fc.raw == nil {
			return fc.readRequestPlain()
		}
		fc.readFn = fc.readWhenReadable // once a connection: a method value allocates
	}
	fc.rbp, fc.rn, fc.rerr, fc.rwoken = nil, 0, nil, soon
	err = fc.raw.Read(fc.readFn) // the poller's wait, deadline and close apply
	bp, n = fc.rbp, fc.rn
	if err == nil {
		err = fc.rerr
	}
	fc.rbp = nil
	if err != nil {
		if bp != nil {
			giveBuf(bp)
		}
		return nil, 0, err
	}
	return bp, n, nil
}

// readWhenReadable is readRequest's read: false when there is nothing to
// read yet (the poller then waits for the socket), true once it read or
// failed. Its first call peeks; a call after the poller's wait reads.
func (fc *conn) readWhenReadable(fd uintptr) bool {
	if !fc.rwoken {
		fc.rwoken = true
		var one [1]byte
		for {
			_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			if err == syscall.EAGAIN || err == syscall.EWOULDBLOCK {
				return false
			}
			break // a byte, the end, or an error: the read says which
		}
	}
	bp := takeBuf()
	for {
		n, err := syscall.Read(int(fd), *bp)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK:
			giveBuf(bp) // woken for nothing: wait again
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
