package serving

import (
	"net"
	"syscall"
)

// TCP keep-alive as Go sets it on every accepted connection (15 s idle,
// probes 15 s apart, 9 of them: net's defaults), set once on the
// listening socket instead. Linux copies a listener's socket options to
// the connections it accepts, so they start with keep-alive on, and the
// four setsockopt calls Go makes per accepted connection are not made:
// under load, with a new connection for about every other stream, those
// were about a sixth of the server's system calls that are not writes
// (docs/benchmarks.md).
const (
	keepAliveIdle     = 15 // seconds
	keepAliveInterval = 15 // seconds
	keepAliveCount    = 9
)

// listenConfig returns the ListenConfig Listen uses.
func listenConfig() *net.ListenConfig {
	return &net.ListenConfig{
		KeepAlive: -1, // accepted connections inherit the listener's
		Control: func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) { err = setKeepAlive(int(fd)) }); cerr != nil {
				return cerr
			}
			return err
		},
	}
}

func setKeepAlive(fd int) error {
	for _, o := range []struct{ level, opt, v int }{
		{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, keepAliveIdle},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, keepAliveInterval},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, keepAliveCount},
	} {
		if err := syscall.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
			return err
		}
	}
	return nil
}
