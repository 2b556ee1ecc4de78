package replayer

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Keep-alive after a hijacked stream. net/http cannot take back a
// connection it handed over, so a stream that ended cleanly gives its
// connection to a second http.Server, built from the one that accepted it
// (same handler, so the client's next request on the connection is served
// exactly as if net/http had kept it; same timeouts and limits). Streams
// that end with a fault, a reset or a stall, and requests that asked for
// Connection: close, close the connection as before.

// keeper serves the connections given back after streams for one
// http.Server.
type keeper struct {
	s   *Server
	srv *http.Server
	ln  *connListener
}

// connListener is a net.Listener whose connections are handed to it.
type connListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	addr  net.Addr
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }

// keeper returns the keeper for the server that accepted r, starting it on
// first use, or nil when r came some other way (no keep-alive then).
func (s *Server) keeper(r *http.Request) *keeper {
	outer, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok || outer == nil || outer.Handler == nil {
		return nil
	}
	s.keepMu.Lock()
	defer s.keepMu.Unlock()
	if s.keepClosed {
		return nil
	}
	if k := s.keepers[outer]; k != nil {
		return k
	}
	var addr net.Addr
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		addr = a
	}
	k := &keeper{
		s:  s,
		ln: &connListener{conns: make(chan net.Conn, 1024), done: make(chan struct{}), addr: addr},
		srv: &http.Server{
			Handler:           outer.Handler,
			ReadTimeout:       outer.ReadTimeout,
			ReadHeaderTimeout: outer.ReadHeaderTimeout,
			WriteTimeout:      outer.WriteTimeout,
			IdleTimeout:       outer.IdleTimeout,
			MaxHeaderBytes:    outer.MaxHeaderBytes,
			ErrorLog:          outer.ErrorLog,
			ConnContext:       outer.ConnContext,
		},
	}
	if s.keepers == nil {
		s.keepers = map[*http.Server]*keeper{}
	}
	// Requests on a kept connection arrive through k.srv: they belong to
	// the same keeper, not to a new one.
	s.keepers[outer] = k
	s.keepers[k.srv] = k
	s.keepWG.Add(1)
	go func() {
		defer s.keepWG.Done()
		_ = k.srv.Serve(k.ln)
	}()
	return k
}

// serve hands a connection over for the client's next request; rest is
// what the client already sent after the last one. Until the request
// comes, an idle connection costs a small goroutine that waits for it to
// become readable, not net/http's buffers (about 16 KiB per connection).
func (k *keeper) serve(c net.Conn, rest []byte) {
	s := k.s
	raw := rawConn(c)
	if len(rest) > 0 {
		c, raw = &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(rest), c)}, nil
	}
	s.keepMu.Lock()
	if s.keepClosed {
		s.keepMu.Unlock()
		_ = c.Close()
		return
	}
	s.keepWG.Add(1)
	if raw == nil {
		// A request is already waiting (pipelined), or readiness cannot be
		// watched here: straight to the server.
		s.keepMu.Unlock()
		go func() {
			defer s.keepWG.Done()
			k.give(c)
		}()
		return
	}
	if s.idle == nil {
		s.idle = map[net.Conn]struct{}{}
	}
	s.idle[c] = struct{}{}
	s.keepMu.Unlock()
	if d := k.srv.IdleTimeout; d > 0 {
		_ = c.SetReadDeadline(time.Now().Add(d))
	} else if d := k.srv.ReadTimeout; d > 0 {
		_ = c.SetReadDeadline(time.Now().Add(d))
	}
	go func() {
		defer s.keepWG.Done()
		err := waitReadable(raw)
		s.keepMu.Lock()
		_, mine := s.idle[c]
		delete(s.idle, c)
		s.keepMu.Unlock()
		if err != nil || !mine {
			_ = c.Close()
			return
		}
		_ = c.SetReadDeadline(time.Time{})
		k.give(c)
	}()
}

// give passes a connection to the keeper's http.Server, waiting for it to
// be taken (a client's request is waiting on it: closing it now would fail
// a request that cannot be retried, such as a POST).
func (k *keeper) give(c net.Conn) {
	select {
	case k.ln.conns <- c:
	case <-k.ln.done:
		_ = c.Close()
	}
}

// keeperGrace is how long Close lets answers in progress on kept-alive
// connections finish.
const keeperGrace = 200 * time.Millisecond

// closeKeepers stops serving given-back connections: idle ones close at
// once, requests in progress get keeperGrace.
func (s *Server) closeKeepers() {
	s.keepMu.Lock()
	s.keepClosed = true
	keepers := map[*keeper]bool{}
	for _, k := range s.keepers { // each keeper is there twice
		keepers[k] = true
	}
	s.keepers = nil
	for c := range s.idle {
		_ = c.Close() // wakes its waiting goroutine
	}
	s.idle = nil
	s.keepMu.Unlock()
	for k := range keepers {
		// Streams on these connections were taken over and have ended by
		// now; what is left is short answers (a 404, a recorded body) and
		// connections waiting for a request they have not sent, which
		// Shutdown would wait for: a short grace, then Close.
		ctx, cancel := context.WithTimeout(context.Background(), keeperGrace)
		_ = k.srv.Shutdown(ctx)
		cancel()
		_ = k.srv.Close()
		for {
			select {
			case c := <-k.ln.conns:
				_ = c.Close()
				continue
			default:
			}
			break
		}
	}
	s.keepWG.Wait()
}

// prefixConn is a connection whose first bytes were already read.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }
