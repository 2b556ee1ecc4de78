package httpfront

import (
	"bufio"
	"io"
	"net/http"
	"testing"
	"time"
)

// BenchmarkKeptRequest is one plain request and its answer on a kept
// connection: the front's own work a request (the wait, the head, the
// http.Request, the answer), with the loopback round trip it rides on.
// docs/benchmarks.md has its figures.
func BenchmarkKeptRequest(b *testing.B) {
	addr := serveFront(b, &http.Server{Handler: okHandler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute})
	c := dial(b, addr)
	_ = c.SetDeadline(time.Time{})
	br := bufio.NewReader(c)
	req := []byte("GET /v1/chat?stream=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: text/event-stream\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
