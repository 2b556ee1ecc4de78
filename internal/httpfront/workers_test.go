package httpfront

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"
)

// TestWorkersAreReusedAndBounded: connections served one after another are
// served by the same few workers, not a goroutine each; when many finish at
// once, at most maxIdleWorkers wait for the next; Shutdown ends the ones
// waiting (goleak checks that none is left).
func TestWorkersAreReusedAndBounded(t *testing.T) {
	started := make(chan struct{}, 1000)
	fs, addr, served := startFront(t, &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			io.WriteString(w, "ok")
		}),
		ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second,
	})
	idle := func() int {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		return len(fs.workers)
	}
	waitIdle := func(want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for idle() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%d idle workers, want %d", idle(), want)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// One connection at a time: each is served by the worker the last one
	// left idle, so the goroutines do not grow with the connections.
	before := runtime.NumGoroutine()
	for range 50 {
		c, _ := getOK(t, addr)
		c.Close()
		waitIdle(1)
	}
	if n := runtime.NumGoroutine(); n > before+3 {
		t.Errorf("%d goroutines after 50 connections one after another, %d before", n, before)
	}

	// Many open at once, then closed: more workers than maxIdleWorkers
	// finish together, and only maxIdleWorkers of them stay.
	n := maxIdleWorkers + 40
	var open []net.Conn
	for range n {
		c, _ := getOK(t, addr) // kept open: its worker waits for its next request
		open = append(open, c)
	}
	for range n + 50 {
		<-started
	}
	if idle() != 0 {
		t.Errorf("%d idle workers while every connection waits for a request", idle())
	}
	for _, c := range open {
		c.Close()
	}
	waitIdle(maxIdleWorkers)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fs.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != ErrServerClosed {
		t.Errorf("Serve returned %v", err)
	}
	if idle() != 0 {
		t.Errorf("%d idle workers after Shutdown", idle())
	}
}
