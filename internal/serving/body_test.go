package serving

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A body that stops half-way is not held forever: after the idle time the
// request gets 400 saying what happened, not 413.
func TestReadBodyIdle(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, status, err := readBody(w, r, 1<<20, 200*time.Millisecond)
		if err != nil {
			http.Error(w, err.Error(), status)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer ts.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf a body")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "stopped arriving after 11 bytes") {
		t.Errorf("%d %q", resp.StatusCode, b)
	}
	// Over the limit: 413.
	resp, err = http.Post(ts.URL, "text/plain", strings.NewReader(strings.Repeat("x", 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), "over 1 MiB") {
		t.Errorf("%d %q", resp.StatusCode, b)
	}
}

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
