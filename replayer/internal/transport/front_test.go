package transport

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/ssetape/ssetape/internal/httpfront"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/sse"
)

// TestStreamsThroughTheFront: behind the replay listener's front, streams
// are taken over without net/http, each connection comes back to the front
// after its stream (no keep-alive server of the transport's starts), and a
// request the front leaves to net/http is streamed and kept the same way.
func TestStreamsThroughTheFront(t *testing.T) {
	tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.Send(w, r, &Stream{Plan: planOf(0, "one", "two"), Start: time.Now(), Speed: 1, Event: func(int, sse.Event) {}})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &httpfront.Server{Fallback: &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second}}
	served := make(chan error, 1)
	go func() { served <- fs.Serve(ln) }()
	defer func() {
		tr.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := fs.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-served
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	const want = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n"
	for i, req := range []string{
		"GET /s HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
		"GET /s HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n", // net/http's
		"GET /s HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatal(err)
		}
		if got := readToEnd(t, br, i+1); got != want {
			t.Errorf("request %d: got %q, want %q", i+1, got, want)
		}
	}
	if n := tr.keep.count(); n != 0 {
		t.Errorf("%d keep-alive servers of the transport's started; the front keeps every connection", n)
	}
}

// TestHeadAndEndGoWithTheirChunks: a first chunk due just after the head,
// and an end due just after the last chunk, share their writes (as a
// recording of a server that wrote them back to back shows them); a chunk
// due later than coalesceWithin is written on its own, and recorded chunks
// are never joined.
func TestHeadAndEndGoWithTheirChunks(t *testing.T) {
	for _, tc := range []struct {
		name       string
		first, end time.Duration // after the head; after the last chunk
		writes     int64
	}{
		{"both close", 100 * time.Microsecond, 100 * time.Microsecond, 3},
		{"first chunk later", 5 * time.Millisecond, 100 * time.Microsecond, 4},
		{"end later", 100 * time.Microsecond, 5 * time.Millisecond, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := func() *fault.Plan {
				p := planOf(0, "one", "two", "three")
				p.Chunks[0].Due = tc.first
				p.Chunks[1].Due = tc.first + 20*time.Millisecond
				p.Chunks[2].Due = tc.first + 40*time.Millisecond
				p.EndDue = p.Chunks[2].Due + tc.end
				return p
			}
			srv := serve(t, nil, plan)
			resp, err := http.Get(srv.ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(b) != "data: one\n\ndata: two\n\ndata: three\n\n" {
				t.Fatalf("got %q, %v", b, err)
			}
			if err := <-srv.ended; err != nil {
				t.Fatal(err)
			}
			if n := srv.t.Lateness().Writes; n != tc.writes {
				t.Errorf("%d writes, want %d", n, tc.writes)
			}
		})
	}
}
