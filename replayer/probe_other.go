//go:build !unix

package replayer

import (
	"net"
	"syscall"
)

// clientGone cannot check without blocking here; a client that left is
// noticed at the next write.
func clientGone(net.Conn) bool { return false }

// rawConn returns nil here: writes wait up to writeSlack instead.
func rawConn(net.Conn) syscall.RawConn { return nil }

func (sc *scheduler) rawWrite(uintptr) bool { return true }

func waitReadable(syscall.RawConn) error { return nil }
