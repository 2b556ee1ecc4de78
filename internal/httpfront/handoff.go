package httpfront

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"syscall"
)

// How a connection that was read in front, or taken back after a stream,
// reaches an http.Server: a listener it is handed to, and the connection
// with the bytes already read from it put back in front. The front uses
// them for its net/http fallback; the transport for its keep-alive server
// behind a plain net/http server.

// ConnListener is a net.Listener whose connections are handed to it.
type ConnListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	addr  net.Addr
}

// NewConnListener returns a listener whose Addr is addr; up to backlog
// connections wait for Accept without holding up Give.
func NewConnListener(addr net.Addr, backlog int) *ConnListener {
	return &ConnListener{conns: make(chan net.Conn, backlog), done: make(chan struct{}), addr: addr}
}

func (l *ConnListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *ConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *ConnListener) Addr() net.Addr { return l.addr }

// Give hands c to the server, waiting until it is taken (a client's request
// is waiting on it: closing it now would fail a request that cannot be
// retried, such as a POST); c is closed instead once the listener is.
func (l *ConnListener) Give(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		_ = c.Close()
	}
}

// CloseQueued closes the connections given but not yet accepted.
func (l *ConnListener) CloseQueued() {
	for {
		select {
		case c := <-l.conns:
			_ = c.Close()
		default:
			return
		}
	}
}

// WithPrefix returns c with read (copied) put back in front of what it
// reads next; c itself when read is empty.
func WithPrefix(c net.Conn, read []byte) net.Conn {
	if len(read) == 0 {
		return c
	}
	return &prefixConn{Conn: c, pre: bytes.NewReader(bytes.Clone(read))}
}

// prefixConn is a connection whose first bytes were already read. It
// gives raw access to its socket (the transport's non-blocking writes, its
// readiness waits) only once those bytes are read: before that, a wait on
// the socket would miss them.
type prefixConn struct {
	net.Conn
	pre *bytes.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.pre.Len() > 0 {
		return c.pre.Read(p)
	}
	return c.Conn.Read(p)
}

// SyscallConn is the socket's, once the bytes read in front are read.
func (c *prefixConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok || c.pre.Len() > 0 {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}
