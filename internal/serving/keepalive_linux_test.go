package serving

import (
	"log/slog"
	"net"
	"syscall"
	"testing"
)

// keepAliveOf reads the keep-alive options of the connection a listener
// accepts for one dial.
func keepAliveOf(t *testing.T, ln net.Listener) [4]int {
	t.Helper()
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := s.(interface {
		SyscallConn() (syscall.RawConn, error)
	}).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got [4]int
	var gerr error
	opts := [4][2]int{{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE}, {syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL}, {syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT}}
	if err := raw.Control(func(fd uintptr) {
		for i, o := range opts {
			if got[i], gerr = syscall.GetsockoptInt(int(fd), o[0], o[1]); gerr != nil {
				return
			}
		}
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	return got
}

// A connection Listen accepts has keep-alive as net sets it on one that
// net.Listen accepts, though Listen sets it once on the listener.
func TestAcceptedConnectionsKeepAliveAsNetSetsIt(t *testing.T) {
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	want := keepAliveOf(t, plain)
	if want[0] == 0 {
		t.Fatalf("net.Listen's connection has no keep-alive: %v", want)
	}
	ours, err := Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if got := keepAliveOf(t, ours); got != want {
		t.Errorf("keep-alive (on, idle s, interval s, count) = %v, net.Listen's %v", got, want)
	}
}
