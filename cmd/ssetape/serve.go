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

	"github.com/ssetape/ssetape/internal/httpfront"
	"github.com/ssetape/ssetape/internal/serving"
)

// listen opens the address a server command serves on: a port in use is a
// runtime failure (exit 3) that says what to do.
func listen(addr string, log *slog.Logger) (net.Listener, error) {
	ln, err := serving.Listen(addr, log)
	if err != nil {
		return nil, runtimeError(err)
	}
	return ln, nil
}

// stopped says what stopped a server.
type stopped int

const (
	byInterrupt stopped = iota // Ctrl-C (SIGINT), or a test's stop
	byTerminate                // SIGTERM, or the end of stdin with --exit-with-stdin
)

// untilEOF returns a channel closed when r reaches its end (or fails).
func untilEOF(r io.Reader) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, r)
	}()
	return done
}

// serveUntilStopped serves h on ln until Ctrl-C or SIGTERM (or e.stop, or
// stdinEnd when set), then runs before (which ends what is in progress),
// shuts the server down (waiting up to 5 s for requests in flight) and runs
// after. It says what stopped it, or returns a runtime failure if serving
// failed.
//
// With front, requests are read by the replay listener's HTTP/1.1 front
// (internal/httpfront), which gives what it does not take to net/http.
func serveUntilStopped(e *env, ln net.Listener, h http.Handler, log *slog.Logger, front bool, stdinEnd <-chan struct{}, before, after func()) (stopped, error) {
	plain := serving.NewServer(h, log)
	var hs interface {
		Serve(net.Listener) error
		Shutdown(context.Context) error
	} = plain
	if front {
		hs = &httpfront.Server{Fallback: plain, Log: log}
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var why stopped
	stop := e.stop
	var sigs chan os.Signal
	if stop == nil {
		sigs = make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(sigs)
	}
	select {
	case err := <-served:
		return why, runtimeError(err)
	case <-stop:
	case <-stdinEnd:
		why = byTerminate
	case sig := <-sigs:
		if sig == syscall.SIGTERM {
			why = byTerminate
		} else {
			// The terminal printed ^C on the line: the summary starts on a
			// line of its own.
			fmt.Fprintln(e.Err)
		}
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
	return why, nil
}

// stopError is the exit of a server stopped by a signal: 130 after Ctrl-C,
// 0 after SIGTERM (a supervisor's ordinary stop).
func stopError(why stopped) error {
	if why == byTerminate {
		return nil
	}
	return &exitError{code: exitInterrupted, err: errors.New("interrupted")}
}
