package replayer_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
	"github.com/ssetape/ssetape/sse"
)

func load(t *testing.T, yaml string) *cassette.Cassette {
	t.Helper()
	c, err := cassette.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) *cassette.Cassette {
	t.Helper()
	data, err := fixtures.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cassette.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// do sends a request and returns the response; the body is closed at cleanup.
func do(t *testing.T, method, url, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func events(t *testing.T, body string) []string {
	t.Helper()
	d := sse.NewDecoder(strings.NewReader(body))
	var out []string
	for {
		e, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Type+" "+e.Data)
	}
}

// spaced is a recorded stream whose chunks are 40 ms apart, cut inside a
// UTF-8 character and between CR and LF, so that read boundaries can be
// compared.
const spaced = `version: 1
interactions:
  - request: {method: POST, path: /chat}
    match: {body: any}
    response:
      status: 200
      headers: {Content-Type: [text/event-stream], Content-Length: ['999'], X-Upstream: [kept]}
      headers_at: 10ms
      entries: []
      wire:
        line_ending: crlf
        checksum: sha256:not-the-entries
        chunks:
          - {at: 30ms, text: "event: a\r\ndata: one\r\n\r\n"}
          - {at: 70ms, base64: ZXZlbnQ6IGINCmRhdGE6IOe1kA==}
          - {at: 110ms, base64: nJwNCg0K}
          - {at: 150ms, text: "event: c\r\ndata: three\r\n\r"}
          - {at: 190ms, text: "\n"}
`

func TestReplayByteExactChunksAndTiming(t *testing.T) {
	c := load(t, spaced)
	// The entries were left empty, so the checksum is theirs: unedited.
	c.Interactions[0].Response.Wire.Checksum = cassette.Checksum(c.Interactions[0].Response.Entries)
	_, url := replayertest.Start(t, replayer.Options{}, c)

	sent := time.Now()
	resp := do(t, "POST", url+"/chat", `{"anything": true}`, "Accept", "application/json")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("X-Upstream") != "kept" || resp.ContentLength != -1 {
		t.Errorf("headers %v, content length %d", resp.Header, resp.ContentLength)
	}
	want := c.Interactions[0].Response.Wire.Chunks
	var got [][]byte
	var arrived []time.Duration
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			got = append(got, append([]byte(nil), buf[:n]...))
			arrived = append(arrived, time.Since(sent))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d reads %q, want %d chunks", len(got), got, len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i].Data) {
			t.Errorf("chunk %d = %q, want %q", i, got[i], want[i].Data)
		}
		// Never early (the server waits for each due time, counted from
		// after this client sent the request; 2 ms for clock reads), and not
		// much late: 250 ms, ten times the worst seen on a loaded 2-core
		// machine under -race, since each chunk is due on its own clock.
		if arrived[i] < want[i].At-2*time.Millisecond || arrived[i] > want[i].At+250*time.Millisecond {
			t.Errorf("chunk %d arrived at %v, recorded at %v", i, arrived[i], want[i].At)
		}
	}
}

func TestSessionsOrderRepeatAndReset(t *testing.T) {
	y := `version: 1
interactions:
  - request: {method: POST, path: /chat, body: '{"q": 1, "model": "m"}'}
    response: {entries: [{at: 0s, data: first}]}
  - request: {method: POST, path: /chat, body: '{"model":"m","q":1}'}
    response: {entries: [{at: 0s, data: second}]}
`
	_, url := replayertest.Start(t, replayer.Options{}, load(t, y))
	get := func(session string) string {
		h := []string{}
		if session != "" {
			h = []string{"Ssetape-Session", session}
		}
		resp := do(t, "POST", url+"/chat", `{"model": "m", "q": 1}`, h...)
		return strings.Join(events(t, readAll(t, resp)), ",")
	}
	for i, want := range []string{" first", " second", " second"} {
		if got := get(""); got != want {
			t.Errorf("request %d got %q, want %q", i+1, got, want)
		}
	}
	if got := get("a"); got != " first" {
		t.Errorf("session a starts over: got %q", got)
	}
	do(t, "POST", url+"/__ssetape/reset", "")
	if got := get(""); got != " first" {
		t.Errorf("after reset: got %q", got)
	}
	resp := do(t, "POST", url+"/__ssetape/reset?ssetape_session=a", "")
	if got := readAll(t, resp); got != `{"reset":"session","session":"a"}`+"\n" {
		t.Errorf("reset answer %q", got)
	}

	_, url2 := replayertest.Start(t, replayer.Options{Repeat: replayer.RepeatError}, load(t, y))
	for range 2 {
		readAll(t, do(t, "POST", url2+"/chat", `{"q":1,"model":"m"}`))
	}
	resp = do(t, "POST", url2+"/chat", `{"q":1,"model":"m"}`)
	if body := readAll(t, resp); resp.StatusCode != 404 || !strings.Contains(body, "answered 2 times already") {
		t.Errorf("--repeat error: %d %q", resp.StatusCode, body)
	}
}

func TestMatching(t *testing.T) {
	y := `version: 1
interactions:
  - request: {method: POST, path: /v1/chat, body: '{"model":"gpt-4o","messages":[{"content":"hi"}],"metadata":{"request_id":"r1"}}'}
    match: {body: {ignore: [$.metadata.request_id]}}
    response: {entries: [{at: 0s, data: ignore}]}
  - request: {method: POST, path: /v1/only, body: '{"model":"m","stream":true,"other":1}'}
    match: {body: {only: [$.model, $.stream]}}
    response: {entries: [{at: 0s, data: only}]}
  - request: {method: POST, path: '/mcp?x=1&key=REDACTED', body: 'plain text'}
    match: {method: any}
    response: {status: 202, body: accepted}
`
	_, url := replayertest.Start(t, replayer.Options{}, load(t, y))
	cases := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/v1/chat", `{"metadata":{"request_id":"other"},"messages":[{"content":"hi"}],"model":"gpt-4o"}`, 200, "ignore"},
		{"POST", "/v1/chat", `{"metadata":{"request_id":"r1"},"messages":[{"content":"bye"}],"model":"gpt-4o"}`, 404, `body $.messages[0].content is "bye", recorded "hi"`},
		{"POST", "/v1/only", `{"model":"m","stream":true,"other":2,"more":[]}`, 200, "only"},
		{"POST", "/v1/only", `{"model":"x","stream":true}`, 404, `body $.model is "x", recorded "m"`},
		{"GET", "/mcp?key=secret&x=1&ssetape_session=s", "plain text", 202, "accepted"},
		{"PUT", "/mcp?x=1", "plain text", 202, "accepted"},
		{"POST", "/mcp?x=2", "plain text", 404, "query x=2, recorded x=1"},
		{"POST", "/mcp?x=1", "other text", 404, `body "other text", recorded "plain text"`},
		{"GET", "/v1/chat", "", 404, "method GET, recorded POST"},
		{"POST", "/nowhere", "", 404, "no recorded interaction matches POST /nowhere"},
		{"POST", "/v1/chat?ssetape_fault=close:after=1;drop:event=2", "", 400, "send it as %3B"},
	}
	for _, c := range cases {
		resp := do(t, c.method, url+c.path, c.body)
		body := readAll(t, resp)
		if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %s: %d %q; want %d containing %q", c.method, c.path, resp.StatusCode, body, c.status, c.want)
		}
	}
}

func TestResume(t *testing.T) {
	c := fixture(t, "events.yaml")
	_, url := replayertest.Start(t, replayer.Options{Pacing: replayer.Pacing{Max: true}}, c)
	all := events(t, readAll(t, do(t, "GET", url+"/events", "")))
	if len(all) != 7 {
		t.Fatalf("whole stream: %d events", len(all))
	}
	resp := do(t, "GET", url+"/events", "", "Last-Event-ID", "3")
	if got := events(t, readAll(t, resp)); !cmp.Equal(got, all[3:]) {
		t.Errorf("resume after 3: %v, want %v", got, all[3:])
	}
	// Resuming does not move the counters, and works from another method.
	resp = do(t, "POST", url+"/events", "", "Last-Event-ID", "6")
	if got := events(t, readAll(t, resp)); !cmp.Equal(got, all[6:]) {
		t.Errorf("POST resume after 6: %v", got)
	}
	resp = do(t, "GET", url+"/events", "", "Last-Event-ID", "7")
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("nothing left: status %d, want 204", resp.StatusCode)
	}
	resp = do(t, "GET", url+"/events", "", "Last-Event-ID", "nope")
	if got := events(t, readAll(t, resp)); len(got) != 7 {
		t.Errorf("unknown id: %d events, want the whole stream", len(got))
	}
}

func TestCORS(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{CORS: "*"}, fixture(t, "events.yaml"))
	resp := do(t, "OPTIONS", url+"/events", "", "Origin", "http://127.0.0.1:3000",
		"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "last-event-id, ssetape-session")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		resp.Header.Get("Access-Control-Allow-Headers") != "last-event-id, ssetape-session" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp = do(t, "GET", url+"/events", "", "Origin", "http://127.0.0.1:3000")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("no CORS header on the stream: %v", resp.Header)
	}
}

type recorder struct {
	mu     sync.Mutex
	events []string
	ends   []error
}

func (r *recorder) Event(s *observe.Stream, n int, e sse.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s.Path+"#"+string(rune('0'+n))+" "+e.Type)
}

func (r *recorder) End(s *observe.Stream, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, err)
}

// waitEnd waits (tolerantly) until a stream has ended: the client can
// finish reading before the handler has reported its last event and end.
func (r *recorder) waitEnd() {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		r.mu.Lock()
		n := len(r.ends)
		r.mu.Unlock()
		if n > 0 {
			return
		}
	}
}

func TestObserver(t *testing.T) {
	obs := &recorder{}
	c, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
	if err != nil {
		t.Fatal(err)
	}
	_, url := replayertest.Start(t, replayer.Options{Observer: obs, Pacing: replayer.Pacing{Max: true}}, c)
	readAll(t, do(t, "POST", url+"/api/chat/error", `{}`))
	obs.waitEnd()
	obs.mu.Lock()
	defer obs.mu.Unlock()
	want := []string{"/api/chat/error#1 thinking", "/api/chat/error#2 text_delta", "/api/chat/error#3 error", "/api/chat/error#4 done"}
	if diff := cmp.Diff(want, obs.events); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	if len(obs.ends) != 1 || obs.ends[0] != nil {
		t.Errorf("ends = %v", obs.ends)
	}
}

func TestClientGoneLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c := load(t, `version: 1
interactions:
  - request: {path: /slow}
    response: {entries: [{at: 0s, data: one}, {at: 10s, data: never}]}
`)
	obs := &recorder{}
	srv, err := replayer.New([]replayer.Source{{Name: "slow", Cassette: c}}, replayer.Options{Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	ts := newLoopbackServer(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/slow", nil)
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	d := sse.NewDecoder(resp.Body)
	if e, err := d.Next(); err != nil || e.Data != "one" {
		t.Fatalf("first event: %v %v", e, err)
	}
	cancel()
	resp.Body.Close()
	tr.CloseIdleConnections()
	obs.waitEnd()
	obs.mu.Lock()
	if len(obs.ends) != 1 || obs.ends[0] == nil || !strings.Contains(obs.ends[0].Error(), "went away") {
		t.Errorf("ends = %v", obs.ends)
	}
	obs.mu.Unlock()
	srv.Close()
	ts.Close()
}

func TestNewRefusesEditedWhenStrict(t *testing.T) {
	c := load(t, spaced) // its checksum does not match its entries
	if _, err := replayer.New([]replayer.Source{{Name: "s", Cassette: c}}, replayer.Options{Strict: true}); err == nil ||
		!strings.Contains(err.Error(), "edited after recording") {
		t.Errorf("strict: %v", err)
	}
	srv, err := replayer.New([]replayer.Source{{Name: "s", Cassette: c}}, replayer.Options{})
	if err != nil || len(srv.Edited()) != 1 {
		t.Errorf("not strict: %v, edited %v", err, srv.Edited())
	}
}

func TestCloseEndsStreams(t *testing.T) {
	c := load(t, `version: 1
interactions:
  - request: {path: /slow}
    response: {entries: [{at: 0s, data: one}, {at: 10s, data: never}]}
`)
	srv, url := replayertest.Start(t, replayer.Options{}, c)
	resp := do(t, "GET", url+"/slow", "")
	d := sse.NewDecoder(resp.Body)
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := d.Next(); done <- err }()
	srv.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end when the server closed")
	}
	if resp := do(t, "GET", url+"/slow", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: status %d, want 503", resp.StatusCode)
	}
}
