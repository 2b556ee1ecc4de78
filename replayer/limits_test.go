package replayer_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/replayertest"
	"github.com/ssetape/ssetape/sse"
)

// What one request sends is bounded: too many faults, faults that would
// plan far more than was recorded, a session name or fault spec too long.
// Each gets 400 naming the limit; the log line and the answer stay short.
func TestOneRequestIsBounded(t *testing.T) {
	var logs replayer.LogBuffer
	_, url := replayertest.Start(t, replayer.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, load(t, fiveEvents))
	cases := []struct {
		name   string
		header []string
		want   string
	}{
		{"3000 injects and 3000 re-cuts", []string{"Ssetape-Fault", strings.Repeat("inject:after=1,type=x;chunk:size=1;", 3000)},
			"over the limit of 8192"},
		{"65 faults", []string{"Ssetape-Fault", strings.Repeat("drop:event=1;", 65)}, "faults per request"},
		{"duplicates past the planned size", []string{"Ssetape-Fault", strings.Repeat("duplicate:type=text_delta,count=100000000;", 40) + "inject:after=1,data=" + strings.Repeat("x", 3000)},
			""},
		{"a 300-byte session", []string{"Ssetape-Session", strings.Repeat("s", 300)}, "over the limit of 256"},
		{"a long unknown fault", []string{"Ssetape-Fault", "x" + strings.Repeat("y", 5000)}, "unknown fault"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("GET", url+"/s", nil)
		req.Header.Set(c.header[0], c.header[1])
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if c.want == "" { // within the caps: served
			if resp.StatusCode != 200 && resp.StatusCode != 400 {
				t.Errorf("%s: status %d", c.name, resp.StatusCode)
			}
			continue
		}
		if resp.StatusCode != 400 || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %q, want 400 with %q", c.name, resp.StatusCode, body, c.want)
		}
		if len(body) > 1024 {
			t.Errorf("%s: a %d-byte answer", c.name, len(body))
		}
		t.Logf("%s: answered in %v", c.name, time.Since(start).Round(time.Millisecond))
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 2048 {
			t.Errorf("a %d-byte log line: %.200s...", len(line), line)
		}
	}
}

// A planned response over the byte cap is refused by name.
func TestPlannedSizeCap(t *testing.T) {
	_, url := replayertest.Start(t, replayer.Options{Limits: fault.Limits{Faults: 64, Growth: 4, Events: 20, Bytes: 4096, Chunks: 100}}, load(t, fiveEvents))
	code, body := get(t, url+"/s", "Ssetape-Fault", "duplicate:type=text_delta,count=9;"+strings.Repeat("inject:after=1,data="+strings.Repeat("x", 250)+";", 25))
	if code != 400 || !strings.Contains(body, "over the cap") || !strings.Contains(body, "planned") {
		t.Errorf("%d %q", code, body)
	}
}

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// panicky is an observer that panics at an event.
type panicky struct{ at int }

func (p panicky) Event(s *observe.Stream, n int, e sse.Event) {
	if n == p.at {
		panic("the observer broke")
	}
}
func (p panicky) End(*observe.Stream, error) {}

// An observer that panics on one stream is contained: the client gets its
// whole stream, the server goes on serving, and the log says which stream.
func TestObserverPanicIsContained(t *testing.T) {
	var logs replayer.LogBuffer
	_, url := replayertest.Start(t, replayer.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Observer: panicky{at: 2}}, load(t, fiveEvents))
	for range 2 {
		w := wireGet(t, url, "/s", 10*time.Second)
		if got := len(w.events(t)); got != 5 || !w.clean {
			t.Fatalf("%d events, clean %v", got, w.clean)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(logs.String(), "observer panicked") < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if l := logs.String(); strings.Count(l, "observer panicked") != 2 || !strings.Contains(l, "the observer broke") || !strings.Contains(l, "interaction=test.yaml#1") {
		t.Errorf("log:\n%s", l)
	}
}

// A client that leaves in the middle of any fault leaves no goroutine
// behind once the server is closed.
func TestClientsLeavingDuringEveryFaultLeakNothing(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	specs := map[string]string{
		"close": "close:after=2", "reset": "reset:after=2", "stall": "stall:after=1", "stall-for": "stall:after=1,for=5s",
		"hold": "hold:after=1", "delay": "delay:headers=5s", "status": "status:code=503", "content-type": "content-type:value=text/plain",
		"corrupt": "corrupt:event=1", "truncate": "truncate:event=3", "merge": "merge:event=1", "drop": "drop:event=1",
		"duplicate": "duplicate:event=1", "reorder": "reorder:event=1", "omit-last": "omit-last", "inject": "inject:after=1,type=x",
		"chunk": "chunk:size=1,gap=50ms", "eol": "eol:to=cr", "bandwidth": "bandwidth:bps=20",
	}
	covered := map[string]bool{}
	for _, spec := range specs {
		name, _, _ := strings.Cut(spec, ":")
		covered[name] = true
	}
	for _, name := range fault.Names() {
		if !covered[name] {
			t.Fatalf("fault %s is not covered", name)
		}
	}
	srv, err := replayer.New([]replayer.Source{{Name: "test.yaml", Cassette: load(t, fiveEvents)}}, replayer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := newLoopbackServer(t, srv)
	for name, spec := range specs {
		// delay holds the headers: its client gives up before they come.
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/s", nil)
		req.Header.Set("Ssetape-Fault", spec)
		tr := &http.Transport{}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil && name != "delay" {
			t.Fatalf("%s: %v", name, err)
		}
		if resp != nil {
			buf := make([]byte, 16)
			_, _ = resp.Body.Read(buf) // a little of it, then leave
		}
		cancel()
		if resp != nil {
			resp.Body.Close()
		}
		tr.CloseIdleConnections()
	}
	// Every stream ends: the ones its client left, at once or at the next
	// check (a held or stalled stream when its waiter sees the connection
	// close); Close ends any that are left.
	srv.Close()
	ts.Close()
}

// The counters of a session past --max-sessions are dropped, least
// recently used first: that session starts over from the first recorded
// response, and the log says so once.
func TestSessionsAreBounded(t *testing.T) {
	var logs replayer.LogBuffer
	_, url := replayertest.Start(t, replayer.Options{MaxSessions: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Pacing: replayer.Pacing{Max: true}},
		load(t, twoResponses))
	body := func(session string) string {
		_, b := get(t, url+"/r", "Ssetape-Session", session)
		return b
	}
	if body("a") != "first" || body("a") != "second" {
		t.Fatal("session a does not get the responses in order")
	}
	for _, s := range []string{"b", "c", "d"} { // d pushes a out
		body(s)
	}
	if got := body("a"); got != "first" {
		t.Errorf("an evicted session got %q, want it to start over with first", got)
	}
	if got := body("d"); got != "second" {
		t.Errorf("a kept session got %q, want second", got)
	}
	if n := strings.Count(logs.String(), "--max-sessions"); n != 1 {
		t.Errorf("%d eviction log lines, want 1 within 10 s:\n%s", n, logs.String())
	}
}

const twoResponses = `version: 1
interactions:
  - request: {path: /r}
    response: {body: first}
  - request: {path: /r}
    response: {body: second}
`

// The index returns what the scan did: for every fixture and request shape,
// the candidates (in order) are those a plain scan over all interactions
// finds.
func TestIndexMatchesTheScan(t *testing.T) {
	var sources []replayer.Source
	for _, name := range []string{"agent.yaml", "openai-chat.yaml", "openai-responses.yaml", "anthropic.yaml", "events.yaml"} {
		sources = append(sources, replayer.Source{Name: name, Cassette: fixture(t, name)})
	}
	sources = append(sources, replayer.Source{Name: "test.yaml", Cassette: load(t, matching)})
	for _, bodyAny := range []bool{false, true} {
		srv, err := replayer.New(sources, replayer.Options{BodyAny: bodyAny})
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range sources {
			for _, it := range src.Cassette.Interactions {
				for _, body := range [][]byte{it.Request.Body, nil, []byte(`{"model":"other"}`), bytes.ReplaceAll(it.Request.Body, []byte(" "), nil)} {
					for _, method := range []string{it.Request.Method, "GET", "PUT"} {
						url := "http://x" + it.Request.Path
						index, scan := replayer.CandidatesForTest(srv, method, url, body), replayer.ScanForTest(srv, method, url, body)
						if fmt.Sprint(index) != fmt.Sprint(scan) {
							t.Errorf("%s %s %q (body any %v): index %v, scan %v", method, it.Request.Path, body, bodyAny, index, scan)
						}
					}
				}
			}
		}
	}
}

const matching = `version: 1
interactions:
  - request: {method: POST, path: /v1/chat, body: '{"model":"gpt-4o","messages":[{"content":"hi"}],"metadata":{"request_id":"r1"}}'}
    match: {body: {ignore: [$.metadata.request_id]}}
    response: {entries: [{at: 0s, data: ignore}]}
  - request: {method: POST, path: /v1/chat, body: '{"model":"gpt-4o","messages":[{"content":"hi"}]}'}
    response: {entries: [{at: 0s, data: exact}]}
  - request: {method: POST, path: /v1/chat, body: '{"messages":[{"content":"hi"}],"model":"gpt-4o"}'}
    response: {entries: [{at: 0s, data: exact reordered}]}
  - request: {method: POST, path: /v1/only, body: '{"model":"m","stream":true,"other":1}'}
    match: {body: {only: [$.model, $.stream]}}
    response: {entries: [{at: 0s, data: only}]}
  - request: {method: POST, path: '/mcp?x=1&key=REDACTED', body: 'plain text'}
    match: {method: any}
    response: {status: 202, body: accepted}
  - request: {method: POST, path: /v1/chat, body: '{"model":"REDACTED"}'}
    response: {entries: [{at: 0s, data: redacted}]}
`
