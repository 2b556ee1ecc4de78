//go:build !unix

package transport

import (
	"net"
	"syscall"
)

// clientGone cannot check without blocking here; a client that left is
// noticed at the next write.
func clientGone(net.Conn) bool { return false }

// rawConn returns nil here: writes wait up to writeSlack instead.
func rawConn(net.Conn) syscall.RawConn { return nil }

// socketFD reports no socket here: writes use the connection.
func socketFD(net.Conn) (uintptr, bool) { return 0, false }

func writeAll(uintptr, []byte) (int, error) { return 0, nil }

func waitReadable(syscall.RawConn) error { return nil }
