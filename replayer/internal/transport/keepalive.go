package transport

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ssetape/ssetape/internal/httpfront"
)

// Keep-alive after a hijacked stream. net/http cannot take back a
// connection it handed over, so a stream that ended cleanly gives its
// connection to a second http.Server, built from the one that accepted it
// (same handler, so the client's next request on the connection is served
// exactly as if net/http had kept it; same timeouts and limits). Streams
// that end with a fault, a reset or a stall, and requests that asked for
// Connection: close, close the connection as before.

// keepers are a transport's keep-alive servers, one per http.Server that
// accepted requests. mu guards every field.
type keepers struct {
	t       *Transport
	mu      sync.Mutex
	byOuter map[*http.Server]*keeper // each keeper is there twice: its outer server's and its own
	idle    map[net.Conn]struct{}    // given back, waiting for the next request
	closed  bool
	wg      sync.WaitGroup // the keepers' servers and idle waiters
}

// keeper serves the connections given back after streams for one
// http.Server.
type keeper struct {
	ks  *keepers
	srv *http.Server
	ln  *httpfront.ConnListener
}

// forRequest returns what serves the next request on r's connection: the
// front that read r (httpfront), or else the keeper for the http.Server that
// accepted it, started on first use; nil when r came some other way (no
// keep-alive then).
func (ks *keepers) forRequest(r *http.Request) httpfront.Keeper {
	if f, ok := r.Context().Value(httpfront.KeeperKey).(httpfront.Keeper); ok {
		return f
	}
	if k := ks.keeperFor(r); k != nil {
		return k
	}
	return nil
}

// keeperFor returns the keeper for the server that accepted r, starting it
// on first use, or nil.
func (ks *keepers) keeperFor(r *http.Request) *keeper {
	outer, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok || outer == nil || outer.Handler == nil {
		return nil
	}
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.closed {
		return nil
	}
	if k := ks.byOuter[outer]; k != nil {
		return k
	}
	var addr net.Addr
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		addr = a
	}
	k := &keeper{
		ks: ks,
		ln: httpfront.NewConnListener(addr, 1024),
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
	if ks.byOuter == nil {
		ks.byOuter = map[*http.Server]*keeper{}
	}
	// Requests on a kept connection arrive through k.srv: they belong to
	// the same keeper, not to a new one.
	ks.byOuter[outer] = k
	ks.byOuter[k.srv] = k
	ks.wg.Add(1)
	go func() {
		defer ks.wg.Done()
		_ = k.srv.Serve(k.ln)
	}()
	return k
}

// count is how many keepers there are (for a test).
func (ks *keepers) count() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	unique := map[*keeper]bool{}
	for _, k := range ks.byOuter {
		unique[k] = true
	}
	return len(unique)
}

// KeepConn hands a connection over for the client's next request; rest is
// what the client already sent after the last one. Until the request
// comes, an idle connection costs a small goroutine that waits for it to
// become readable, not net/http's buffers (about 16 KiB per connection).
func (k *keeper) KeepConn(c net.Conn, rest []byte) {
	ks := k.ks
	raw := rawConn(c)
	if len(rest) > 0 {
		c, raw = httpfront.WithPrefix(c, rest), nil
	}
	ks.mu.Lock()
	if ks.closed {
		ks.mu.Unlock()
		_ = c.Close()
		return
	}
	ks.wg.Add(1)
	if raw == nil {
		// A request is already waiting (pipelined), or readiness cannot be
		// watched here: straight to the server.
		ks.mu.Unlock()
		go func() {
			defer ks.wg.Done()
			k.ln.Give(c)
		}()
		return
	}
	if ks.idle == nil {
		ks.idle = map[net.Conn]struct{}{}
	}
	ks.idle[c] = struct{}{}
	ks.mu.Unlock()
	switch {
	case k.srv.IdleTimeout > 0:
		_ = c.SetReadDeadline(time.Now().Add(k.srv.IdleTimeout))
	case k.srv.ReadTimeout > 0:
		_ = c.SetReadDeadline(time.Now().Add(k.srv.ReadTimeout))
	default:
		_ = c.SetReadDeadline(time.Time{})
	}
	go func() {
		defer ks.wg.Done()
		err := waitReadable(raw)
		ks.mu.Lock()
		_, mine := ks.idle[c]
		delete(ks.idle, c)
		ks.mu.Unlock()
		if err != nil || !mine {
			_ = c.Close()
			return
		}
		_ = c.SetReadDeadline(time.Time{})
		k.ln.Give(c)
	}()
}

// keeperGrace is how long Close lets answers in progress on kept-alive
// connections finish.
const keeperGrace = 200 * time.Millisecond

// close stops serving given-back connections: idle ones close at once,
// requests in progress get keeperGrace.
func (ks *keepers) close() {
	ks.mu.Lock()
	ks.closed = true
	keepers := map[*keeper]bool{}
	for _, k := range ks.byOuter { // each keeper is there twice
		keepers[k] = true
	}
	ks.byOuter = nil
	for c := range ks.idle {
		_ = c.Close() // wakes its waiting goroutine
	}
	ks.idle = nil
	ks.mu.Unlock()
	for k := range keepers {
		// Streams on these connections were taken over and have ended by
		// now; what is left is short answers (a 404, a recorded body) and
		// connections waiting for a request they have not sent, which
		// Shutdown would wait for: a short grace, then Close.
		ctx, cancel := context.WithTimeout(context.Background(), keeperGrace)
		_ = k.srv.Shutdown(ctx)
		cancel()
		_ = k.srv.Close()
		k.ln.CloseQueued()
	}
	ks.wg.Wait()
}
