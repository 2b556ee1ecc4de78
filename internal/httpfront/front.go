// Package httpfront is the replay listener's HTTP/1.1 front: it reads the
// common request itself (a GET or POST in HTTP/1.1, with plain headers and
// at most a Content-Length body) and hands its handler an http.Request, and
// gives every other connection, untouched, to a net/http server with the
// same handler.
//
// Why: net/http's per-connection and per-request work (its goroutine and
// buffers, the request parse into textproto, the connection's contexts, a
// background read that a Hijack must stop, a second server for keep-alive)
// was about 12 % of the replay server's CPU at 5,000 paced streams, the gap
// to the floor server (docs/benchmarks.md). The front does the same job for
// the requests a load test and a frontend send, and nothing else: an
// unusual request (HTTP/1.0, a chunked or Expect body, an Upgrade, a folded
// or invalid header, HEAD, OPTIONS, the control API's /__ssetape/ paths) goes
// to net/http, byte for byte as it arrived, so its edge cases stay
// net/http's. docs/architecture.md says where the line is.
//
// A stream the transport takes over (HijackRest) comes back to the front
// after it ends cleanly (KeepConn), for the connection's next request.
// Connections are served on workers that keep their goroutine and stack
// from one connection to the next (workers.go).
package httpfront

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// headBuf is the most of a request head the front reads itself; a longer
// head goes to net/http, whose limit is the server's MaxHeaderBytes.
const headBuf = 4096

// Server serves HTTP/1.1 on a listener through its front, falling back to
// Fallback. Fallback's handler, timeouts and error log apply to both: set
// Fallback.Handler, ReadHeaderTimeout and IdleTimeout before Serve. Serve
// wraps Fallback.ConnContext (keeping what it adds) so that the requests
// net/http serves carry the front's Keeper too.
type Server struct {
	Fallback *http.Server
	Log      *slog.Logger // a handler's panic; nil: slog.Default()

	startOnce sync.Once
	fb        *ConnListener // connections handed to Fallback
	fbDone    chan error

	mu       sync.Mutex
	ln       net.Listener
	idle     idleConns // waiting for a request: closed at Shutdown, timed out by the sweeper
	active   int       // requests in a handler
	closed   bool
	idleCond *sync.Cond
	workers  []worker       // idle workers (workers.go)
	wg       sync.WaitGroup // every goroutine of the front

	// The sweeper's (sweep.go): the clock the waits time out on, when it
	// next wakes (under mu), and its wake-up.
	epoch     time.Time
	sweepAt   time.Duration
	sweepWake chan struct{}
}

// ctxKey is the type of the context key under which a request's Keeper is.
type ctxKey struct{}

// KeeperKey is the request-context key of the front that read the request:
// a Keeper.
var KeeperKey = ctxKey{}

// Keeper takes back a connection whose stream was taken over, for the
// client's next request on it; rest is what the client sent after the
// request that started the stream. The connection comes back without a
// deadline: the front's waits for a request set none of their own
// (sweep.go).
type Keeper interface {
	KeepConn(c net.Conn, rest []byte)
}

// ErrServerClosed is Serve's error after Shutdown.
var ErrServerClosed = http.ErrServerClosed

func (s *Server) start(addr net.Addr) {
	s.startOnce.Do(func() {
		s.idleCond = sync.NewCond(&s.mu)
		s.epoch, s.sweepAt, s.sweepWake = time.Now(), never, make(chan struct{}, 1)
		s.wg.Add(1)
		go s.sweep()
		s.fb = NewConnListener(addr, 0)
		s.fbDone = make(chan error, 1)
		// A stream net/http served comes back to the front too, for the
		// connection's next request.
		inner := s.Fallback.ConnContext
		s.Fallback.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
			if inner != nil {
				ctx = inner(ctx, c)
			}
			return context.WithValue(ctx, KeeperKey, Keeper(s))
		}
		go func() { s.fbDone <- s.Fallback.Serve(s.fb) }()
	})
}

// Serve accepts connections on ln until Shutdown (then ErrServerClosed) or
// until Accept fails.
func (s *Server) Serve(ln net.Listener) error {
	s.start(ln.Addr())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		if !s.goServe(newConn(s, c), nil, true) {
			return ErrServerClosed
		}
	}
}

// Shutdown stops accepting, closes the connections waiting for a request,
// waits for the requests in a handler (until ctx ends), then shuts
// Fallback down with ctx. Streams taken over are not the front's: their
// transport closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.start(nil)
	s.mu.Lock()
	s.closed = true
	if s.ln != nil {
		_ = s.ln.Close()
	}
	for _, fc := range s.idle.takeAll() {
		_ = fc.c.Close()
	}
	s.stopWorkers()
	s.wakeSweeperLocked(-1) // to see the server closed
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.mu.Lock()
		for s.active > 0 {
			s.idleCond.Wait()
		}
		s.mu.Unlock()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	ferr := s.Fallback.Shutdown(ctx)
	s.fb.Close()
	<-s.fbDone
	if err == nil {
		err = ferr
	}
	if err == nil {
		s.wg.Wait()
	}
	return err
}

// KeepConn takes a connection back after a stream that was taken over.
func (s *Server) KeepConn(c net.Conn, rest []byte) { s.goServe(newConn(s, c), rest, false) }

// fallback hands a connection to net/http with the bytes already read from
// it in front.
func (s *Server) fallback(c net.Conn, read []byte) {
	s.fb.Give(WithPrefix(c, read))
}

// setIdle marks a connection as waiting for a request (closed by
// Shutdown), whose wait times out as kind says; false when the server is
// shut down.
func (s *Server) setIdle(fc *conn, kind waitKind) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	timeout := time.Duration(0)
	switch kind {
	case waitHeader:
		timeout = s.Fallback.ReadHeaderTimeout
	case waitIdle:
		timeout = s.Fallback.IdleTimeout
	}
	if timeout <= 0 {
		s.idle.add(fc, waitUntimed, never)
		return true
	}
	until := s.now() + timeout
	s.idle.add(fc, kind, until)
	s.wakeSweeperLocked(until)
	return true
}

// setBusy takes a connection whose request came off the idle lists, into
// a handler; swept says the sweeper had timed its wait out (its read
// deadline is past); false when the server is shut down.
func (s *Server) setBusy(fc *conn) (swept, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	swept = s.idle.remove(fc)
	if s.closed {
		return swept, false
	}
	s.active++
	return swept, true
}

// untime keeps a connection on the idle lists (for Shutdown) without the
// sweeper's timeout: its head is under way, with a deadline of its own.
func (s *Server) untime(fc *conn) {
	s.mu.Lock()
	if fc.idle.in && fc.idle.kind != waitUntimed {
		s.idle.remove(fc)
		s.idle.add(fc, waitUntimed, never)
	}
	s.mu.Unlock()
}

// forget takes a connection off the idle lists: it is closed, or handed on.
func (s *Server) forget(fc *conn) {
	s.mu.Lock()
	s.idle.remove(fc)
	s.mu.Unlock()
}

func (s *Server) handlerDone() {
	s.mu.Lock()
	s.active--
	if s.active == 0 {
		s.idleCond.Broadcast()
	}
	s.mu.Unlock()
}

func (s *Server) logf(msg string, args ...any) {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	log.Error(msg, args...)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, headBuf); return &b }}

// takeBuf and giveBuf take a head buffer from the pool and put it back
// (variables so that a test can count the buffers out).
var (
	takeBuf = func() *[]byte { return bufPool.Get().(*[]byte) }
	giveBuf = func(bp *[]byte) { bufPool.Put(bp) }
)

// serveConn reads and serves requests on one connection until it closes,
// is taken over, or goes to net/http. rest is what was read of it already;
// fresh says it was just accepted (its first request is due within the
// header timeout; later ones within the idle timeout).
func (s *Server) serveConn(fc *conn, rest []byte, fresh bool) {
	c := fc.c
	if len(rest) > headBuf { // more than a head's worth pipelined: net/http
		s.fallback(c, rest)
		return
	}
	// The head buffer, held while it has bytes of a request: an idle
	// connection holds none (readRequest).
	var bp *[]byte
	defer func() {
		if bp != nil {
			giveBuf(bp)
		}
	}()
	n := 0
	if len(rest) > 0 {
		bp = takeBuf()
		n = copy(*bp, rest)
	}
	first := fresh
	for {
		// Wait for the request: at most the idle timeout, or the header
		// timeout on a new connection, which the sweeper enforces.
		if n == 0 {
			if bp != nil {
				giveBuf(bp)
				bp = nil
			}
			kind := waitIdle
			if first {
				kind = waitHeader
			}
			if !s.setIdle(fc, kind) {
				_ = c.Close()
				return
			}
			var err error
			if bp, n, err = fc.readRequest(); err != nil {
				s.forget(fc)
				_ = c.Close()
				return
			}
		} else if !s.setIdle(fc, waitUntimed) {
			_ = c.Close()
			return
		}
		buf := *bp
		first = false
		end := bytes.Index(buf[:n], crlfcrlf)
		// The rest of a head that did not come whole is due within the
		// header timeout, by a deadline of its own (a head that did, the
		// common case, costs none).
		deadline := false
		if t := s.Fallback.ReadHeaderTimeout; t > 0 && end < 0 {
			s.untime(fc)
			_ = c.SetReadDeadline(time.Now().Add(t))
			deadline = true
		}
		for end < 0 && n < len(buf) {
			m, err := c.Read(buf[n:])
			if err != nil {
				// The head stopped arriving (its timeout, or the client
				// left half-way): nothing to answer, as net/http.
				s.forget(fc)
				_ = c.Close()
				return
			}
			n += m
			end = bytes.Index(buf[max(0, n-m-3):n], crlfcrlf)
			if end >= 0 {
				end += max(0, n-m-3)
			}
		}
		ex := new(requestState)
		if end < 0 || !ex.head.parse(buf[:end+4]) { // a head over 4 KiB, or one the front does not take
			s.forget(fc)
			s.fallback(c, buf[:n])
			return
		}
		swept, ok := s.setBusy(fc)
		if !ok {
			_ = c.Close()
			return
		}
		if swept || deadline {
			_ = c.SetReadDeadline(time.Time{})
		}
		after := buf[end+4 : n]
		keep, taken, unread, left := s.serveOne(fc, ex, after)
		s.handlerDone()
		if taken {
			return
		}
		if !keep {
			if unread {
				closeWriteAndWait(c)
			}
			_ = c.Close()
			return
		}
		if ex.w.deadlines {
			_ = c.SetDeadline(time.Time{}) // the handler's are not the next wait's
		}
		// What the client sent after this request (pipelined) starts the
		// next one.
		n = copy(buf, left)
	}
}

var crlfcrlf = []byte("\r\n\r\n")

// rstAvoidanceDelay is how long a connection closed with a request body
// left unread (a 413, say) stays half-closed first, as net/http's does:
// closed at once, the unread bytes would make the kernel send a reset, and
// the client could lose the answer before it read it.
const rstAvoidanceDelay = 500 * time.Millisecond

func closeWriteAndWait(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		time.Sleep(rstAvoidanceDelay)
	}
}

// serveOne runs the handler for one request. keep: the connection may
// serve another request; taken: the handler took the connection over;
// left: bytes read after the request (valid until the next read into buf).
func (s *Server) serveOne(fc *conn, ex *requestState, after []byte) (keep, taken, unread bool, left []byte) {
	r := fc.request(ex, after)
	w, b := &ex.w, &ex.body
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				const size = 64 << 10
				stack := make([]byte, size)
				stack = stack[:runtime.Stack(stack, false)]
				s.logf("http: panic serving "+fc.remoteAddr(), "panic", fmt.Sprint(v), "stack", string(stack))
			}
			if !w.hijacked {
				_ = fc.c.Close()
			}
			keep, taken, unread, left = false, true, false, nil // the connection is closed or taken
		}
	}()
	h := s.Fallback.Handler
	if h == nil {
		h = http.DefaultServeMux // as net/http
	}
	h.ServeHTTP(w, r)
	if w.hijacked {
		return false, true, false, nil
	}
	keep = w.finish()
	if b.remain > 0 {
		// The handler left some of the body unread: the connection cannot
		// serve another request without reading it, and a body the
		// handler did not want is not worth reading.
		keep, unread = false, true
	}
	return keep, false, unread, b.after
}

// conn is one connection the front reads, kept across its requests and the
// streams taken over from it: it is its requests' context (one allocation
// per connection, not three per request) and their Keeper.
type conn struct {
	s      *Server
	c      net.Conn
	remote string
	idle   idleLink // guarded by s.mu

	// readRequest's (wait_unix.go): the socket, the read it waits with,
	// and what that read brought; and the socket's fd, once known.
	raw     syscall.RawConn
	readFn  func(fd uintptr) bool
	rbp     *[]byte
	rn      int
	rerr    error
	fd      uintptr
	fdKnown bool
}

func newConn(s *Server, c net.Conn) *conn { return &conn{s: s, c: c} }

// readRequestPlain is readRequest through net.Conn's Read, into a buffer
// from the pool held while it waits.
func (fc *conn) readRequestPlain() (*[]byte, int, error) {
	bp := takeBuf()
	n, err := fc.c.Read(*bp)
	if err == nil && n == 0 {
		err = io.EOF
	}
	if err != nil {
		giveBuf(bp)
		return nil, 0, err
	}
	return bp, n, nil
}

// The context of the connection's requests: never cancelled (docs/limits.md
// says what that means), with the values net/http puts in its own.
func (fc *conn) Deadline() (time.Time, bool) { return time.Time{}, false }
func (fc *conn) Done() <-chan struct{}       { return nil }
func (fc *conn) Err() error                  { return nil }
func (fc *conn) String() string              { return "httpfront connection context" }
func (fc *conn) Value(key any) any {
	switch key {
	case http.ServerContextKey:
		return fc.s.Fallback
	case http.LocalAddrContextKey:
		return fc.c.LocalAddr()
	case KeeperKey:
		return Keeper(fc)
	}
	return nil
}

// KeepConn takes the connection back after a stream that was taken over
// from one of its requests, keeping what the front knows of it.
func (fc *conn) KeepConn(c net.Conn, rest []byte) {
	if c != fc.c {
		fc = newConn(fc.s, c)
	}
	fc.s.goServe(fc, rest, false)
}

func (fc *conn) remoteAddr() string {
	if fc.remote == "" {
		if a := fc.c.RemoteAddr(); a != nil {
			fc.remote = a.String()
		}
	}
	return fc.remote
}
