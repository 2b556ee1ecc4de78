// Package serving is the serving runtime the replay server and the proxy
// share, in the ssetape command and in tests: a loopback-first listener, an
// http.Server tuned for thousands of long streams, a descriptor table sized
// up front, and accept that waits out a shortage of descriptors instead of
// failing or filling the log.
package serving

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// IdleTimeout closes a kept-alive connection that sends no next request.
const IdleTimeout = 2 * time.Minute

// ErrInUse is returned by Listen for an address already in use.
var ErrInUse = errors.New("address in use")

// Listen opens an address to serve on: a port in use says what to do, and
// an address other machines can reach is warned about (the default is
// loopback). It sizes the descriptor table first (GrowFDTable).
func Listen(addr string, log *slog.Logger) (net.Listener, error) {
	GrowFDTable()
	ln, err := listenConfig().Listen(context.Background(), "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("%s is in use; pick another address with --listen (port 0 picks a free one): %w", addr, ErrInUse)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	if !IsLoopback(ln.Addr()) {
		log.Warn("serving on an address other machines can reach; the default is 127.0.0.1", "listen", ln.Addr().String())
	}
	return NewFDShortListener(ln, log), nil
}

// IsLoopback reports whether an address is on the loopback network.
func IsLoopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		host = a.String()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewServer returns the http.Server the replay server and the proxy run:
// headers within 10 s, at most 1 MiB of them, idle connections closed
// after IdleTimeout, net/http's own errors logged as warnings.
func NewServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 1 << 20,
		IdleTimeout: IdleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}
