//go:build unix

package httpfront

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestAnIdleConnectionHoldsNoBuffer: connections waiting for their next
// request hold no head buffer; one with half a head holds one until the
// head is whole and answered.
func TestAnIdleConnectionHoldsNoBuffer(t *testing.T) {
	var out atomic.Int64
	take, give := takeBuf, giveBuf
	takeBuf = func() *[]byte { out.Add(1); return take() }
	giveBuf = func(bp *[]byte) { out.Add(-1); give(bp) }
	t.Cleanup(func() { takeBuf, giveBuf = take, give })
	_, front := serveBoth(t, okHandler)

	// A worker gives its buffer back within microseconds of the answer;
	// the wait is well short of the servers' 5 s idle timeout, after which
	// connections close and would give their buffers back anyway.
	settlesAt := func(want int64, what string) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for out.Load() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d head buffers out, want %d", what, out.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	const n = 10
	for range n {
		getOK(t, front) // answered, then idle on its keep-alive connection
	}
	settlesAt(0, "10 idle connections")

	c, br := getOK(t, front)
	settlesAt(0, "11 idle connections")
	io.WriteString(c, "GET / HTTP/1.1\r\nHo")
	settlesAt(1, "a connection with half a head")
	io.WriteString(c, "st: x\r\n\r\n")
	expectBody(t, br, "ok")
	settlesAt(0, "after the second request")
}

// TestSocketFDIsTheConnections: the fd the writer gives is the taken
// connection's socket, on the first request of a connection and on a later
// one.
func TestSocketFDIsTheConnections(t *testing.T) {
	got := make(chan error, 2)
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := w.(interface {
			SocketFD() (uintptr, bool)
			HijackRest() (net.Conn, []byte, error)
		})
		if !ok {
			got <- errors.New("net/http served the request")
			return
		}
		fd, ok := k.SocketFD()
		c, rest, err := k.HijackRest()
		if err != nil {
			got <- err
			return
		}
		var want uintptr
		raw, err := c.(syscall.Conn).SyscallConn()
		if err == nil {
			err = raw.Control(func(f uintptr) { want = f })
		}
		switch {
		case err != nil:
			got <- err
		case !ok || fd != want:
			got <- fmt.Errorf("SocketFD gave %d, %v; the connection's socket is %d", fd, ok, want)
		default:
			got <- nil
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		r.Context().Value(KeeperKey).(Keeper).KeepConn(c, rest)
	}))
	c := dial(t, front)
	br := bufio.NewReader(c)
	for i := range 2 {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		expectBody(t, br, "ok")
		if err := <-got; err != nil {
			t.Errorf("request %d: %v", i+1, err)
		}
	}
}
