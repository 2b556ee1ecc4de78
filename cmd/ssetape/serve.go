package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// listen opens the address a server command serves on: a port in use is a
// runtime failure (exit 3) that says what to do, and an address other
// machines can reach is warned about (the default is loopback).
func listen(addr string, log *slog.Logger) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, runtimeError(fmt.Errorf("%s is in use; pick another address with --listen (port 0 picks a free one)", addr))
		}
		return nil, runtimeError(fmt.Errorf("cannot listen on %s: %w", addr, err))
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		log.Warn("serving on an address other machines can reach; the default is 127.0.0.1", "listen", ln.Addr().String())
	}
	return ln, nil
}

// idleTimeout closes a kept-alive connection that sends no next request.
const idleTimeout = 2 * time.Minute

// serveUntilStopped serves h on ln until stop is closed (Ctrl-C or SIGTERM
// when stop is nil), then runs before (which ends what is in progress), shuts
// the server down (waiting for requests in flight) and runs after. It
// returns the interrupted exit status (130), or a runtime failure if serving
// failed.
func serveUntilStopped(ln net.Listener, h http.Handler, log *slog.Logger, stop <-chan struct{}, before, after func()) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 1 << 20,
		IdleTimeout: idleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	growFDTable()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(&fdShortListener{Listener: ln, log: log, sleep: time.Sleep}) }()
	if stop == nil {
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		stop = ctx.Done()
	}
	select {
	case err := <-served:
		return runtimeError(err)
	case <-stop:
	}
	if before != nil {
		before()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	if after != nil {
		after()
	}
	return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
}

// summary says how many streams broke the contract (nothing without checks).
func (o *contractObserver) summary(w io.Writer, command string) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.contract == nil {
		fmt.Fprintf(w, "ssetape %s: %d streams broke their contract (chosen by auto)\n", command, o.failed)
		return
	}
	fmt.Fprintf(w, "ssetape %s: %d streams broke the %s contract\n", command, o.failed, o.contract.Name)
}
