package httpfront

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// The timeouts below are short and the windows wide: a timeout may fire
// up to sweepGrain late, and a loaded machine adds its own delay.

// TestANewConnectionThatSendsNothingIsClosed: a connection that sends no
// request is closed after the header timeout, while one kept after a
// request waits for its idle timeout: each wait times out by its own.
func TestANewConnectionThatSendsNothingIsClosed(t *testing.T) {
	addr := serveFront(t, &http.Server{Handler: okHandler, ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 3 * time.Second})
	kept, keptReader := getOK(t, addr)
	silent := dial(t, addr)
	start := time.Now()
	if got, err := io.ReadAll(silent); err != nil || len(got) != 0 {
		t.Fatalf("got %q, %v; want the connection closed with nothing sent", got, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 2500*time.Millisecond {
		t.Errorf("the silent connection closed after %v, want about 200ms", d)
	}
	// The kept one is still open: its idle timeout is 3 s.
	_ = kept.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := keptReader.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the kept connection: %v, want it still open", err)
	}
	_ = kept.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(kept, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, keptReader, "ok")
}

// TestABusyConnectionOutlivesItsIdleTimeout: a connection that asks again
// before each idle timeout is never timed out, however long it lives.
func TestABusyConnectionOutlivesItsIdleTimeout(t *testing.T) {
	addr := serveFront(t, &http.Server{Handler: okHandler, ReadHeaderTimeout: 600 * time.Millisecond, IdleTimeout: 600 * time.Millisecond})
	c, br := getOK(t, addr)
	// A request every 100 ms for 2 s: over three idle timeouts, with 500 ms
	// for a loaded machine to oversleep before any one wait times out.
	for range 20 {
		time.Sleep(100 * time.Millisecond)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		expectBody(t, br, "ok")
	}
}

// TestAHandlersDeadlineDoesNotEndTheNextWait: a read deadline a handler
// set (ResponseController) is gone when the connection waits for its next
// request, which the front's own timeouts govern.
func TestAHandlersDeadlineDoesNotEndTheNextWait(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		io.WriteString(w, "ok")
	})
	addr := serveFront(t, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second})
	c, br := getOK(t, addr)
	time.Sleep(300 * time.Millisecond) // well past the handler's deadline
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, br, "ok")
}

// TestAKeptConnectionComesWithoutADeadline: a connection handed back with
// KeepConn waits for its next request with no deadline of the front's:
// the idle timeout still closes it, and a request within it is served.
func TestAKeptConnectionComesWithoutADeadline(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/take" {
			io.WriteString(w, "ok")
			return
		}
		c, rest, err := w.(interface {
			HijackRest() (net.Conn, []byte, error)
		}).HijackRest()
		if err != nil {
			t.Errorf("HijackRest: %v", err)
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\ntaken")
		r.Context().Value(KeeperKey).(Keeper).KeepConn(c, rest)
	})
	addr := serveFront(t, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 400 * time.Millisecond})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /take HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, br, "taken")
	time.Sleep(150 * time.Millisecond)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, br, "ok")
	start := time.Now()
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the server sent something unasked")
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("the kept connection closed after %v idle, want about 400ms", d)
	}
}
