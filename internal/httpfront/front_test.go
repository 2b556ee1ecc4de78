package httpfront

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// serveBoth starts h behind net/http alone and behind the front (with its
// net/http fallback), each on a loopback port, and returns their addresses.
func serveBoth(t *testing.T, h http.Handler) (plain, front string) {
	t.Helper()
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	quiet := log.New(io.Discard, "", 0) // net/http's "superfluous WriteHeader" lines
	ps := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, ErrorLog: quiet}
	go func() { _ = ps.Serve(pl) }()
	fs, front, served := startFront(t, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, ErrorLog: quiet})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ps.Shutdown(ctx)
		if err := fs.Shutdown(ctx); err != nil {
			t.Errorf("front Shutdown: %v", err)
		}
		if err := <-served; err != ErrServerClosed {
			t.Errorf("front Serve returned %v, want ErrServerClosed", err)
		}
	})
	return pl.Addr().String(), front
}

// startFront serves fallback's handler through a front on a loopback port;
// served gets Serve's result after Shutdown.
func startFront(tb testing.TB, fallback *http.Server) (fs *Server, addr string, served <-chan error) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	fs = &Server{Fallback: fallback, Log: discardLog()}
	ch := make(chan error, 1)
	go func() { ch <- fs.Serve(ln) }()
	return fs, ln.Addr().String(), ch
}

// serveFront starts a front on a loopback port and shuts it down when the
// test ends; it returns the address.
func serveFront(tb testing.TB, fallback *http.Server) string {
	tb.Helper()
	fs, addr, served := startFront(tb, fallback)
	tb.Cleanup(func() {
		_ = fs.Shutdown(context.Background())
		<-served
	})
	return addr
}

// dial opens a connection to addr, closed when the test ends, with 10 s
// for the whole exchange.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// getOK opens a connection, asks for / and expects "ok".
func getOK(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	expectBody(t, br, "ok")
	return c, br
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

var dateLine = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

// exchange sends raw on a new connection and returns the bytes of the one
// response it gets, the Date masked, and whether the connection then
// answers a second request.
func exchange(t *testing.T, addr, raw string) (string, bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &got))
	req := &http.Request{Method: strings.Fields(raw + " GET")[0]}
	resp, err := http.ReadResponse(br, req)
	for err == nil && resp.StatusCode < 200 { // an interim answer: the final one follows
		resp, err = http.ReadResponse(br, req)
	}
	if err != nil {
		return "error: " + err.Error(), false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	text := dateLine.ReplaceAllString(got.String(), "Date: (masked)\r")
	kept := false
	if !resp.Close {
		if _, err := io.WriteString(c, "GET /again HTTP/1.1\r\nHost: x\r\n\r\n"); err == nil {
			br2 := bufio.NewReader(c)
			if r2, err := http.ReadResponse(br2, nil); err == nil {
				r2.Body.Close()
				kept = true
			}
		}
	}
	return text, kept
}

// TestSameBytesAsNetHTTP: for each thing a handler can do, the front
// answers with the bytes net/http answers with, and keeps the connection
// open when net/http does.
func TestSameBytesAsNetHTTP(t *testing.T) {
	big := strings.Repeat("x", 3000)
	handlers := map[string]http.HandlerFunc{
		"small body, sniffed type": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>hi</html>") },
		"no body":                  func(w http.ResponseWriter, r *http.Request) {},
		"status only":              func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) },
		"unknown status":           func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) },
		"big body, chunked":        func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) },
		"two writes over the buffer": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, big[:1500])
			io.WriteString(w, big[:1500])
		},
		"handler's Content-Length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3000")
			io.WriteString(w, big)
		},
		"short of its Content-Length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			io.WriteString(w, "abc")
		},
		"flush, then write": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			io.WriteString(w, "data: a\n\n")
			w.(http.Flusher).Flush()
			io.WriteString(w, "data: b\n\n")
		},
		"headers, many values, sorted": func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h["X-B"] = []string{"2", "1"}
			h.Set("A-First", "v")
			h.Set("Content-Type", "application/json")
			io.WriteString(w, `{"a":1}`)
		},
		"header changed after WriteHeader": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(201)
			w.Header().Set("X-After", "1")
			io.WriteString(w, "body")
		},
		"WriteHeader twice": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(202)
			w.WriteHeader(500)
		},
		"204 with a body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(204)
			io.WriteString(w, "no")
		},
		"304 with headers": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", "5")
			w.Header().Set("Etag", `"x"`)
			w.WriteHeader(304)
		},
		"103 early hints": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(103)
			w.WriteHeader(200)
			io.WriteString(w, "ok")
		},
		"no Date": func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Date"] = nil
			io.WriteString(w, "x")
		},
		"handler's Connection: close": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		},
		"encoded, not sniffed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "\x1f\x8b")
		},
		"Transfer-Encoding identity": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "identity")
			io.WriteString(w, big)
		},
		"echo the request": func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %s host=%s len=%d close=%v body=%q err=%v ua=%q cc=%q uri=%s q=%s\n", r.Method, r.URL.Path, r.Proto, r.Host,
				r.ContentLength, r.Close, b, err, r.UserAgent(), r.Header.Get("Cache-Control"), r.RequestURI, r.URL.RawQuery)
		},
		"body left unread": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "not read") },
	}
	requests := map[string]string{
		"GET":             "GET /a/b?q=1 HTTP/1.1\r\nHost: example.test\r\nUser-Agent: t\r\nPragma: no-cache\r\n\r\n",
		"POST":            "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"b c\"}",
		"GET, close":      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"HTTP/1.0":        "GET / HTTP/1.0\r\n\r\n",
		"chunked POST":    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HEAD":            "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
		"no Host":         "GET / HTTP/1.1\r\n\r\n",
		"garbage":         "FOO\r\n\r\n",
		"big POST unread": "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("y", 5000),
		"head over 4 KiB": "GET /long HTTP/1.1\r\nHost: x\r\nX-Long: " + strings.Repeat("z", 5000) + "\r\n\r\n",
	}
	for hname, h := range handlers {
		plain, front := serveBoth(t, h)
		for rname, raw := range requests {
			want, wantKept := exchange(t, plain, raw)
			got, gotKept := exchange(t, front, raw)
			if got != want || gotKept != wantKept {
				t.Errorf("%s, %s request:\nnet/http (kept %v):\n%s\nfront (kept %v):\n%s", hname, rname, wantKept, clip(want), gotKept, clip(got))
			}
		}
	}
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "..."
	}
	return s
}

// TestPipelinedRequests: requests sent together are answered in order.
func TestPipelinedRequests(t *testing.T) {
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
	}))
	c := dial(t, front)
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"GET /1 ", "POST /2 abc", "GET /3 "} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Errorf("got %q, want %q", b, want)
		}
	}
}

// TestTakenOverAndKept: a handler takes the connection (as the transport
// does), answers, and gives it back; the next request on it is served.
func TestTakenOverAndKept(t *testing.T) {
	var fronted atomic.Int32
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c net.Conn
		var rest []byte
		body := "taken"
		if h, ok := w.(interface {
			HijackRest() (net.Conn, []byte, error)
		}); ok {
			fronted.Add(1)
			var err error
			if c, rest, err = h.HijackRest(); err != nil {
				panic(err)
			}
		} else {
			body = "net/http"
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			c = conn
			rest, _ = brw.Reader.Peek(brw.Reader.Buffered())
		}
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		r.Context().Value(KeeperKey).(Keeper).KeepConn(c, rest)
	}))
	c := dial(t, front)
	br := bufio.NewReader(c)
	// The second request comes with the first (it is the "rest"); the
	// third after both answers; the fourth is one the front gives to
	// net/http, whose stream is kept by the front too.
	io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	for i := 0; i < 2; i++ {
		expectBody(t, br, "taken")
	}
	io.WriteString(c, "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, br, "taken")
	io.WriteString(c, "GET /4 HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n") // folded: net/http's
	expectBody(t, br, "net/http")
	io.WriteString(c, "GET /5 HTTP/1.1\r\nHost: x\r\n\r\n")
	expectBody(t, br, "taken")
	if n := fronted.Load(); n != 4 {
		t.Errorf("the front served %d requests, want 4", n)
	}
}

// TestHijackRestComesWithoutADeadline: a deadline the handler set goes
// with the ResponseWriter; the connection HijackRest hands over has none.
func TestHijackRestComesWithoutADeadline(t *testing.T) {
	got := make(chan error, 1)
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := w.(interface {
			HijackRest() (net.Conn, []byte, error)
		})
		if !ok {
			got <- errors.New("net/http served the request")
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(time.Millisecond))
		_ = rc.SetWriteDeadline(time.Now().Add(time.Millisecond))
		c, _, err := h.HijackRest()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		time.Sleep(20 * time.Millisecond) // both deadlines are past
		if _, err := io.WriteString(c, "ready"); err != nil {
			got <- fmt.Errorf("writing: %w", err)
			return
		}
		b := make([]byte, 4)
		_, err = io.ReadFull(c, b)
		got <- err
	}))
	c := dial(t, front)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	b := make([]byte, 5)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("the handler did not write after its deadline: %v", err)
	}
	io.WriteString(c, "ping")
	if err := <-got; err != nil {
		t.Errorf("the taken connection kept a deadline: %v", err)
	}
}

func expectBody(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("waiting for %q: %v", want, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != want {
		t.Fatalf("got %q, want %q", b, want)
	}
}

// TestAPanicClosesOnlyItsConnection: a handler's panic is logged, its
// connection closed, and the server goes on.
func TestAPanicClosesOnlyItsConnection(t *testing.T) {
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, "ok")
	}))
	got, _ := exchange(t, front, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	if !strings.Contains(got, "EOF") {
		t.Errorf("a panicking handler's connection: got %q, want it closed", got)
	}
	if got, _ := exchange(t, front, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); !strings.HasSuffix(got, "ok") {
		t.Errorf("after the panic: %q", got)
	}
}

// TestShutdownClosesIdleConnections: a connection waiting for its next
// request is closed by Shutdown, which returns at once.
func TestShutdownClosesIdleConnections(t *testing.T) {
	fs, addr, served := startFront(t, &http.Server{Handler: okHandler})
	_, br := getOK(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fs.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; err != ErrServerClosed {
		t.Errorf("Serve: %v", err)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the idle connection is still open after Shutdown")
	}
}

// TestIdleConnectionsClose: a kept connection that sends no next request
// is closed after the idle timeout.
func TestIdleConnectionsClose(t *testing.T) {
	addr := serveFront(t, &http.Server{Handler: okHandler, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 200 * time.Millisecond})
	_, br := getOK(t, addr)
	start := time.Now()
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the server sent something unasked")
	}
	// Closed by the idle timeout (200 ms), long before the test's own 10 s
	// deadline: the window is wide for a loaded machine.
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("the idle connection closed after %v, want about 200ms", d)
	}
}

// TestBodyReadDeadline: a handler's read deadline (ResponseController, as
// serving.ReadBody sets it) applies to a body the front reads.
func TestBodyReadDeadline(t *testing.T) {
	got := make(chan error, 1)
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			got <- err
			return
		}
		_, err := io.ReadAll(r.Body)
		got <- err
	}))
	c, err := net.Dial("tcp", front)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	select {
	case err := <-got:
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("reading a body that stopped: %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read deadline did not apply")
	}
}

// TestAnUnreadBodyDoesNotLoseTheAnswer: a handler that answers without
// reading a large body (a 413) gets its answer, with Connection: close, to
// a client still sending, which reads it late. (The half-close before the
// close, which keeps a reset from throwing the answer away on a real
// network, cannot be told apart on loopback, where the answer arrives
// before the reset.)
func TestAnUnreadBodyDoesNotLoseTheAnswer(t *testing.T) {
	_, front := serveBoth(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	}))
	c := dial(t, front)
	const size = 4 << 20
	go func() {
		_, _ = io.WriteString(c, fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
		_, _ = c.Write(make([]byte, size)) // fails once the server closes: fine
	}()
	// A client busy sending reads its answer late: the answer must still be
	// there (a reset would have thrown it away).
	time.Sleep(200 * time.Millisecond)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("the answer was lost: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close || !strings.Contains(string(b), "too large") {
		t.Errorf("got %d close=%v %q", resp.StatusCode, resp.Close, b)
	}
}

// TestAHeadThatStopsArrivingIsClosed: a request head cut short is given
// the header timeout, then the connection closes (no answer, as net/http).
func TestAHeadThatStopsArrivingIsClosed(t *testing.T) {
	addr := serveFront(t, &http.Server{Handler: okHandler, ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 5 * time.Second})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %q, %v; want the connection closed with nothing sent", got, err)
	}
	// The header timeout is 200 ms; the window is wide for a loaded machine.
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("closed after %v, want about 200ms", d)
	}
}
