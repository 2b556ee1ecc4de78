package httpfront

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parseHead is head.parse into a new head.
func parseHead(b []byte) (*head, bool) {
	h := new(head)
	if !h.parse(b) {
		return nil, false
	}
	return h, true
}

func TestParseHeadTakesThePlainCase(t *testing.T) {
	h, ok := parseHead([]byte("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\ncontent-type: application/json\r\nX-Many: a\r\nx-many:  b \r\nContent-Length: 12\r\nConnection: close\r\n\r\n"))
	if !ok {
		t.Fatal("a plain POST was not taken")
	}
	want := http.Header{"Content-Type": {"application/json"}, "X-Many": {"a", "b"},
		"Content-Length": {"12"}, "Connection": {"close"}}
	if diff := cmp.Diff(want, h.header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if h.method != "POST" || h.target != "/v1/chat/completions?x=1" || h.host != "127.0.0.1:8080" || h.contentLength != 12 || !h.close {
		t.Errorf("got %+v", h)
	}
}

func TestParseHeadLeavesTheRestToNetHTTP(t *testing.T) {
	const ok = "Host: x\r\n"
	for name, head := range map[string]string{
		"HTTP/1.0":              "GET / HTTP/1.0\r\n" + ok + "\r\n",
		"HEAD":                  "HEAD / HTTP/1.1\r\n" + ok + "\r\n",
		"OPTIONS":               "OPTIONS / HTTP/1.1\r\n" + ok + "\r\n",
		"lower-case method":     "get / HTTP/1.1\r\n" + ok + "\r\n",
		"control API":           "GET /__ssetape/streams HTTP/1.1\r\n" + ok + "\r\n",
		"absolute form":         "GET http://x/ HTTP/1.1\r\n" + ok + "\r\n",
		"asterisk":              "GET * HTTP/1.1\r\n" + ok + "\r\n",
		"double slash":          "GET //x HTTP/1.1\r\n" + ok + "\r\n",
		"two spaces":            "GET  / HTTP/1.1\r\n" + ok + "\r\n",
		"non-ASCII target":      "GET /é HTTP/1.1\r\n" + ok + "\r\n",
		"no Host":               "GET / HTTP/1.1\r\n\r\n",
		"two Hosts":             "GET / HTTP/1.1\r\n" + ok + ok + "\r\n",
		"odd Host":              "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"bare LF":               "GET / HTTP/1.1\n" + ok + "\r\n",
		"bare CR in a value":    "GET / HTTP/1.1\r\n" + ok + "X: a\rb\r\n\r\n",
		"folded header":         "GET / HTTP/1.1\r\n" + ok + "X: a\r\n b\r\n\r\n",
		"space before colon":    "GET / HTTP/1.1\r\n" + ok + "X : a\r\n\r\n",
		"NUL in a value":        "GET / HTTP/1.1\r\n" + ok + "X: a\x00\r\n\r\n",
		"chunked body":          "POST / HTTP/1.1\r\n" + ok + "Transfer-Encoding: chunked\r\n\r\n",
		"Expect":                "POST / HTTP/1.1\r\n" + ok + "Expect: 100-continue\r\nContent-Length: 1\r\n\r\n",
		"Upgrade":               "GET / HTTP/1.1\r\n" + ok + "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"two Content-Lengths":   "POST / HTTP/1.1\r\n" + ok + "Content-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"signed Content-Length": "POST / HTTP/1.1\r\n" + ok + "Content-Length: +1\r\n\r\n",
		"a GET with a body":     "GET / HTTP/1.1\r\n" + ok + "Content-Length: 3\r\n\r\n",
		"Connection: other":     "GET / HTTP/1.1\r\n" + ok + "Connection: keep-alive, x\r\n\r\n",
		"too many headers":      "GET / HTTP/1.1\r\n" + ok + strings.Repeat("X: a\r\n", maxHeaders) + "\r\n",
	} {
		if _, took := parseHead([]byte(head)); took {
			t.Errorf("%s: taken, want net/http's: %q", name, head)
		}
	}
}

// FuzzParseHead: whatever the front takes, net/http reads the same way
// (method, target, Host, every header, Content-Length, Connection: close),
// and nothing panics.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /api/chat?a=b HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\nAccept: text/event-stream\r\nX: \t v \t\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nX-\xff: \x80\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > headBuf {
			b = b[:headBuf]
		}
		h, ok := parseHead(b)
		if !ok {
			return
		}
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("taken, but net/http refuses it (%v): %q", err, b)
		}
		if r.Method != h.method || r.RequestURI != h.target || r.Host != h.host || r.ContentLength != h.contentLength || r.Close != h.close {
			t.Fatalf("net/http reads %s %s host %q length %d close %v; the front %+v: %q", r.Method, r.RequestURI, r.Host, r.ContentLength, r.Close, h, b)
		}
		if diff := cmp.Diff(r.URL, h.url); diff != "" {
			t.Fatalf("URLs differ (-net/http +front):\n%s\nfor %q", diff, b)
		}
		want, got := r.Header, h.header
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("headers differ (-net/http +front):\n%s\nfor %q", diff, b)
		}
	})
}

// TestPlainTargetsParseAsNetURL: the targets parsePlainTarget takes parse
// to the URL url.ParseRequestURI gives, and the plain ones (every byte of
// their path an unreserved one or a sub-delimiter net/url keeps) are taken.
func TestPlainTargetsParseAsNetURL(t *testing.T) {
	var targets []string
	for c := 0x21; c < 0x7f; c++ {
		for _, f := range []string{"/a%cb", "/%c", "/a%cb?q=1", "/x?%c", "/%c/b?"} {
			targets = append(targets, fmt.Sprintf(f, c))
		}
	}
	targets = append(targets, "/", "/?", "/x??", "/x?a?", "/x?a?b", "/api/chat?model=m&stream=true", "/v1/chat/completions",
		"/%41", "/a%2Fb", "/a b", "/a#f", "/a?#", "/é")
	taken := 0
	for _, target := range targets {
		var got url.URL
		if !parsePlainTarget(&got, target) {
			path, _, _ := strings.Cut(target, "?")
			if strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/$&+,;=:@") == "" {
				t.Errorf("%q is plain, but parsePlainTarget did not take it", target)
			}
			continue
		}
		taken++
		want, err := url.ParseRequestURI(target)
		if err != nil {
			t.Errorf("parsePlainTarget took %q, which url.ParseRequestURI refuses: %v", target, err)
			continue
		}
		if diff := cmp.Diff(want, &got); diff != "" {
			t.Errorf("%q (-net/url +parsePlainTarget):\n%s", target, diff)
		}
	}
	if taken < 200 {
		t.Errorf("parsePlainTarget took %d of %d targets; the plain ones are more", taken, len(targets))
	}
}
