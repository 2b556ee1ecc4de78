package transport

import (
	"bufio"

	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
)

// A connection kept alive through many streams stays with one keep-alive
// server: a request served by that server must not start another.
func TestOneKeeperPerServer(t *testing.T) {
	srv := serve(t, nil, func() *fault.Plan { return planOf(0, "one", "two") })
	ts := srv.ts
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	for i := range 6 {
		if _, err := io.WriteString(conn, "GET /s HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		readToEnd(t, br, i+1)
	}
	if n := srv.t.keep.count(); n != 1 {
		t.Errorf("%d keep-alive servers after 6 streams on one connection, want 1", n)
	}
}
