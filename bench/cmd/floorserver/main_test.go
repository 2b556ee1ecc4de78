package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/ssetape/ssetape/internal/sendring"
)

// The floor server sends the same bytes with -batch as without: the head
// with the first event, each event as a chunk of its own, the end with
// the last; the two floors in the load figures do the same work.
func TestBatchSendsTheSameBytes(t *testing.T) {
	events := [][]byte{[]byte("data: one\n\n"), []byte("event: e\ndata: two\n\n"), []byte("data: three\n\n")}
	want := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, e := range events {
		want += strconv.FormatInt(int64(len(e)), 16) + "\r\n" + string(e) + "\r\n"
	}
	want += "0\r\n\r\n"
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			s := &server{epoch: time.Now(), events: events}
			if batch {
				r, err := sendring.New(256)
				if err != nil {
					t.Skipf("no io_uring here: %v", err)
				}
				defer r.Close()
				s.ring = r
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go s.run() // runs on after the test: the command never stops it either
			go s.accept(ln)
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for request := range 2 { // the second on the same connection (keep-alive)
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, len(want))
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, []byte(want)) {
					t.Fatalf("request %d: read %q, %v\nwant %q", request, got, err, want)
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, _ := c.Read(make([]byte, 1)); n > 0 {
				t.Fatal("bytes after the responses")
			}
		})
	}
}
