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

// Bodies of every shape come back whole: none, a known length, and a
// chunked one of unknown length that grows past the first buffer; a
// chunked body over the limit is 413 as a declared one is.
func TestReadBodyShapes(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, status, err := ReadBody(w, r, 64<<10)
		if err != nil {
			http.Error(w, err.Error(), status)
			return
		}
		io.WriteString(w, strings.ToUpper(string(b)))
	}))
	defer ts.Close()
	big := strings.Repeat("abcdefgh", 5000) // 40,000 bytes, many times the first buffer
	for _, c := range []struct {
		name, body string
		chunked    bool
		status     int
	}{
		{"none", "", false, 200},
		{"known length", "hello", false, 200},
		{"chunked", big, true, 200},
		{"known and large", big, false, 200},
		{"chunked over the limit", big + big, true, 413},
		{"declared over the limit", big + big, false, 413},
	} {
		var rd io.Reader = strings.NewReader(c.body)
		if c.chunked {
			rd = io.MultiReader(rd) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("POST", ts.URL, rd)
		if c.body == "" {
			req.Body = nil
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d (%q), want %d", c.name, resp.StatusCode, b, c.status)
			continue
		}
		if c.status == 200 && string(b) != strings.ToUpper(c.body) {
			t.Errorf("%s: got %d bytes back, want %d", c.name, len(b), len(c.body))
		}
	}
}
