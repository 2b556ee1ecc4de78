//go:build unix

package httpfront

import (
	"io"
	"sync/atomic"
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
