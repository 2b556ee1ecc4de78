package replayer_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
)

// rawGet sends a request line over a plain TCP connection and returns all
// that comes back.
func rawGet(t *testing.T, base, request string) string {
	t.Helper()
	conn, _ := dialRaw(t, base)
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHijackedFraming(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}, CORS: "*"}, fixture(t, "events.yaml"))
	got := rawGet(t, url, "GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	head, body, _ := strings.Cut(got, "\r\n\r\n")
	for _, want := range []string{"HTTP/1.1 200 OK\r\n", "Transfer-Encoding: chunked", "Connection: close", "X-Accel-Buffering: no",
		"Content-Type: text/event-stream", "Access-Control-Allow-Origin: *"} {
		if !strings.Contains(head, want) {
			t.Errorf("head lacks %q:\n%s", want, head)
		}
	}
	if strings.Contains(head, "Content-Length") {
		t.Errorf("a Content-Length on a stream:\n%s", head)
	}
	// The first chunk is the retry block, framed as one HTTP chunk.
	if !strings.HasPrefix(body, "d\r\nretry: 2000\n\n\r\n") || !strings.HasSuffix(body, "\r\n0\r\n\r\n") {
		t.Errorf("body framing:\n%q", body)
	}
}

func TestHTTP10Fallback(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, fixture(t, "events.yaml"))
	got := rawGet(t, url, "GET /events HTTP/1.0\r\n\r\n")
	head, body, _ := strings.Cut(got, "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.0 200 OK") || strings.Contains(head, "chunked") {
		t.Errorf("head:\n%s", head)
	}
	if n := len(events(t, body)); n != 7 {
		t.Errorf("%d events over HTTP/1.0, want 7", n)
	}
}

// A client that stops reading fills its socket buffer; the scheduler hands
// its write to a goroutine of its own and keeps other streams on time.
func TestSlowReaderDoesNotHoldUpOthers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	big := strings.Repeat("x", 60000)
	bigResp := cassette.Response{Status: 200, Entries: []cassette.Entry{}}
	for i := range 200 {
		bigResp.Entries = append(bigResp.Entries, cassette.Entry{At: time.Duration(i) * time.Millisecond, Data: big, HasData: true})
	}
	smallResp := cassette.Response{Status: 200, Entries: []cassette.Entry{}}
	for i := range 5 {
		smallResp.Entries = append(smallResp.Entries, cassette.Entry{At: time.Duration(20*i) * time.Millisecond, Data: "small", HasData: true})
	}
	c := &cassette.Cassette{Version: 1, Interactions: []*cassette.Interaction{
		{Request: cassette.Request{Method: "GET", Path: "/big"}, Response: bigResp},
		{Request: cassette.Request{Method: "GET", Path: "/small"}, Response: smallResp},
	}}
	srv, err := replayer.New([]replayer.Source{{Name: "big", Cassette: c}}, replayer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := newLoopbackServer(t, srv)
	defer ts.Close()
	defer srv.Close()

	slow, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(slow, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(slow)
	if _, err := br.ReadString('\n'); err != nil { // the status line, then stop reading
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // long enough for its buffers to fill

	start := time.Now()
	resp, err := http.Get(ts.URL + "/small")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(events(t, string(body))) != 5 {
		t.Fatalf("small stream: %q %v", body, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the small stream took %v behind a client that does not read", took)
	}
	slow.Close()
	srv.Close()
}

func TestEmptyStream(t *testing.T) {
	c := &cassette.Cassette{Version: 1, Interactions: []*cassette.Interaction{
		{Request: cassette.Request{Method: "GET", Path: "/empty"}, Response: cassette.Response{Status: 200, Entries: []cassette.Entry{}}},
	}}
	_, url := replayertest.Start(t, replayer.Options{}, c)
	got := rawGet(t, url, "GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(got, "HTTP/1.1 200 OK") || !strings.HasSuffix(got, "\r\n\r\n0\r\n\r\n") {
		t.Errorf("empty stream: %q", got)
	}
	resp, err := http.Get(url + "/empty")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 0 {
		t.Errorf("body %q, %v", b, err)
	}
}

func TestHeadGetsNoBody(t *testing.T) {
	c := fixture(t, "events.yaml")
	c.Interactions[0].Match.AnyMethod = true
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, c)
	got := rawGet(t, url, "HEAD /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	head, body, _ := strings.Cut(got, "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK") || body != "" {
		t.Errorf("HEAD: %q", got)
	}
}

func TestEndAsRecorded(t *testing.T) {
	y := `version: 1
interactions:
  - request: {path: /open}
    response:
      entries: [{at: 10ms, data: one}]
      end: {at: 400ms, reason: eof}
  - request: {path: /reset}
    response:
      entries: [{at: 10ms, data: one}, {at: 20ms, data: two}]
      end: {at: 30ms, reason: reset}
`
	_, url := replayertest.Start(t, replayer.Options{}, load(t, y))
	start := time.Now()
	resp := do(t, "GET", url+"/open", "")
	body := readAll(t, resp)
	if took := time.Since(start); took < 350*time.Millisecond || len(events(t, body)) != 1 {
		t.Errorf("the stream ended after %v (recorded end at 400ms), body %q", took, body)
	}

	// A recorded reset: the events arrive, then the connection is reset.
	conn, _ := dialRaw(t, url)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET /reset HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err == nil || !strings.Contains(err.Error(), "reset") {
		t.Errorf("read ended with %v, want a connection reset", err)
	}
	if !strings.Contains(string(got), "data: two") || strings.Contains(string(got), "\r\n0\r\n\r\n") {
		t.Errorf("before the reset: %q", got)
	}
}

func TestEndAsRecordedHTTP10(t *testing.T) {
	y := `version: 1
interactions:
  - request: {path: /reset}
    response:
      entries: [{at: 10ms, data: one}]
      end: {at: 300ms, reason: reset}
`
	_, url := replayertest.Start(t, replayer.Options{}, load(t, y))
	conn, _ := dialRaw(t, url)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(conn, "GET /reset HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err == nil || !strings.Contains(err.Error(), "reset") || time.Since(start) < 250*time.Millisecond {
		t.Errorf("after %v: %v, want a reset at about 300ms", time.Since(start), err)
	}
	if !strings.Contains(string(got), "data: one") {
		t.Errorf("before the reset: %q", got)
	}
}

// readResponse reads one HTTP/1.1 response with a chunked body from br:
// its head and its body as sent (chunk framing included).
func readResponse(t *testing.T, br *bufio.Reader) (head, body string) {
	t.Helper()
	var h strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("head so far %q: %v", h.String(), err)
		}
		if line == "\r\n" {
			break
		}
		h.WriteString(line)
	}
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("body so far %q: %v", b.String(), err)
		}
		b.WriteString(line)
		var size int
		if _, err := fmt.Sscanf(line, "%x", &size); err != nil {
			t.Fatalf("chunk size line %q: %v", line, err)
		}
		data := make([]byte, size+2)
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		if size == 0 {
			return h.String(), b.String()
		}
	}
}

// After a stream that ended cleanly the connection serves the next
// request, also one the client sent before the stream ended (pipelined),
// and a request that asks for Connection: close gets it.
func TestKeepAliveAfterStream(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, fixture(t, "events.yaml"))
	conn, br := dialRaw(t, url)
	req := "GET /events HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	head, first := readResponse(t, br)
	if strings.Contains(head, "Connection: close") || !strings.Contains(head, "Transfer-Encoding: chunked") {
		t.Errorf("first head:\n%s", head)
	}
	// Two requests in one write: the second is read before the first's
	// stream ends, and is answered after it on the same connection.
	if _, err := io.WriteString(conn, req+strings.Replace(req, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)); err != nil {
		t.Fatal(err)
	}
	for i, wantClose := range []bool{false, true} {
		head, body := readResponse(t, br)
		if body != first {
			t.Errorf("response %d: body differs from the first:\n%q\n%q", i+2, body, first)
		}
		if got := strings.Contains(head, "Connection: close"); got != wantClose {
			t.Errorf("response %d: Connection: close is %v, want %v:\n%s", i+2, got, wantClose, head)
		}
	}
	if n, err := br.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("after Connection: close the connection is still open (%d, %v)", n, err)
	}
}

// The connection goes back to the server the request came through, with
// its handler: a mux around the replayer keeps routing the next requests.
func TestKeepAliveKeepsTheOuterHandler(t *testing.T) {
	srv := eventsReplayer(t)
	mux := http.NewServeMux()
	mux.Handle("/events", srv)
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "not the replayer") })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer srv.Close()

	reused := 0
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i, path := range []string{"/events", "/other", "/events", "/events"} {
		body, err := getCountingReuse(client, ts.URL+path, &reused)
		if err != nil {
			t.Fatalf("request %d (%s): %v", i+1, path, err)
		}
		switch {
		case path == "/other" && body != "not the replayer":
			t.Errorf("request %d: %s answered %q", i+1, path, body)
		case path == "/events" && len(events(t, body)) != 7:
			t.Errorf("request %d: %d events", i+1, len(events(t, body)))
		}
	}
	if reused != 3 {
		t.Errorf("%d of 3 later requests reused the connection", reused)
	}
}

// A stream with a fault, or one that ends with a reset, closes its
// connection.
func TestNoKeepAliveAfterFault(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, fixture(t, "events.yaml"))
	got := rawGet(t, url, "GET /events HTTP/1.1\r\nHost: x\r\nSsetape-Fault: close:after=2\r\n\r\n")
	head, body, _ := strings.Cut(got, "\r\n\r\n")
	if !strings.Contains(head, "Connection: close") || len(events(t, body)) != 2 {
		t.Errorf("faulted stream: %q", got)
	}
}

// Pacing counts every write the schedulers make and how late it was.
func TestPacingStats(t *testing.T) {
	srv, url := replayertest.Start(t, replayer.Options{}, fixture(t, "events.yaml"))
	if p := srv.Lateness(); p.Writes != 0 {
		t.Fatalf("before any stream: %+v", p)
	}
	readAll(t, do(t, "GET", url+"/events", ""))
	one := srv.Lateness()
	readAll(t, do(t, "GET", url+"/events", ""))
	two := srv.Lateness()
	if one.Writes == 0 || two.Writes != 2*one.Writes {
		t.Errorf("writes after one stream %d, after two %d", one.Writes, two.Writes)
	}
	if two.P50 > two.P99 || two.P99 > two.Max || two.Max > time.Second {
		t.Errorf("lateness: %+v", two)
	}
}

// Streams of one interaction share their plan and response head; a fault
// on one request must not reach the next.
func TestSharedPlanStaysUnchanged(t *testing.T) {
	for _, cors := range []string{"", "*"} {
		t.Run("cors="+cors, func(t *testing.T) { testSharedPlan(t, cors) })
	}
}

func testSharedPlan(t *testing.T, cors string) {
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Gap: time.Millisecond}, CORS: cors}, fixture(t, "events.yaml"))
	get := func(header ...string) (*http.Response, string) {
		resp := do(t, "GET", url+"/events", "", header...)
		return resp, readAll(t, resp)
	}
	plain, want := get()
	if len(events(t, want)) != 7 {
		t.Fatalf("%d events", len(events(t, want)))
	}
	for i := range 2 {
		faulted, body := get("Ssetape-Fault", "content-type:value=text/plain;drop:event=2;delay:headers=1ms")
		if faulted.Header.Get("Content-Type") != "text/plain" || len(events(t, body)) != 6 {
			t.Errorf("faulted %d: %q, %d events", i, faulted.Header.Get("Content-Type"), len(events(t, body)))
		}
		if _, body := get("Ssetape-Fault", "stall:at=3ms,for=1500ms"); body != want {
			t.Errorf("stalled %d: %q", i, body)
		}
		withOrigin, body := get("Origin", "http://app.test")
		if (cors != "") != (withOrigin.Header.Get("Access-Control-Allow-Origin") != "") || body != want {
			t.Errorf("with Origin %d: header %v", i, withOrigin.Header)
		}
		// Unfaulted, the stream takes a few milliseconds (1 ms gaps); had the
		// stall leaked into the shared plan it would take 1.5 s. The bound
		// sits far from both, for a loaded machine.
		began := time.Now()
		again, body := get()
		if took := time.Since(began); took > time.Second {
			t.Errorf("after a faulted request %d: the stream took %v (the fault stalled 1.5 s)", i, took)
		}
		again.Header.Del("Date")
		plain.Header.Del("Date")
		if body != want || !reflect.DeepEqual(again.Header, plain.Header) {
			t.Errorf("after a faulted request %d: %v, want %v\n%q", i, again.Header, plain.Header, body)
		}
	}
}

// Close closes connections that wait for their next request, and leaves
// no goroutine behind: not the idle wait, not the keep-alive server.
func TestCloseEndsIdleKeptAliveConnections(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := eventsReplayer(t)
	ts := newLoopbackServer(t, srv)
	conn, br := dialRaw(t, ts.URL)
	for range 2 { // the second goes through the keep-alive server
		if _, err := io.WriteString(conn, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		if head, _ := readResponse(t, br); strings.Contains(head, "Connection: close") {
			t.Fatalf("no keep-alive:\n%s", head)
		}
	}
	srv.Close()
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("an idle connection after Close: read %d, %v; want EOF", n, err)
	}
	ts.Close()
}

// A kept-alive connection that sends nothing more is closed after the
// server's IdleTimeout, as net/http would.
func TestKeptAliveConnectionIdleTimeout(t *testing.T) {
	srv := eventsReplayer(t)
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.IdleTimeout = 200 * time.Millisecond
	ts.Start()
	defer ts.Close()
	defer srv.Close()
	conn, br := dialRaw(t, ts.URL)
	if _, err := io.WriteString(conn, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	readResponse(t, br)
	idle := time.Now()
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %d, %v; want EOF", n, err)
	}
	if took := time.Since(idle); took < 150*time.Millisecond || took > 5*time.Second {
		t.Errorf("closed after %v idle, IdleTimeout 200ms", took)
	}
}

// dialRaw opens a TCP connection to a test server (closed at cleanup, 10 s
// deadline) and a reader on it.
func dialRaw(t *testing.T, base string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn, bufio.NewReader(conn)
}

// eventsReplayer serves fixtures/events.yaml as fast as it can.
func eventsReplayer(t *testing.T) *replayer.Server {
	t.Helper()
	srv, err := replayer.New([]replayer.Source{{Name: "events.yaml", Cassette: fixture(t, "events.yaml")}}, replayer.Options{Pacing: replayer.Pacing{Max: true}})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// Over TLS the stream is written through the TLS connection (never to the
// socket underneath) and the connection is kept alive all the same.
func TestStreamsOverTLS(t *testing.T) {
	srv := eventsReplayer(t)
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	defer srv.Close()
	client := ts.Client()
	reused := 0
	for i := range 3 {
		body, err := getCountingReuse(client, ts.URL+"/events", &reused)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if len(events(t, body)) != 7 {
			t.Errorf("request %d: %q", i+1, body)
		}
	}
	if reused != 2 {
		t.Errorf("%d of 2 later requests reused the connection", reused)
	}
}

// getCountingReuse GETs url and returns the body, adding one to reused when
// the request went out on a connection kept alive from an earlier one.
func getCountingReuse(client *http.Client, url string, reused *int) (string, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return "", err
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				*reused++
			}
		},
	}))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}
