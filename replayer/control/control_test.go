package control_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
	"github.com/ssetape/ssetape/replayer/replayertest"
	"github.com/ssetape/ssetape/sse"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// agent is the built-in sample: POST /api/chat streams thinking, tool_call,
// tool_result, text_delta ×4, a comment, final_answer, done: nine events.
func agent(t *testing.T) *cassette.Cassette {
	t.Helper()
	c, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func start(t *testing.T, opts replayer.Options) *replayertest.Server {
	t.Helper()
	return replayertest.New(t, opts, agent(t))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// stream is a client reading one SSE response event by event.
type stream struct {
	resp   *http.Response
	events chan sse.Event
	done   chan error
}

func open(t *testing.T, url, path string, header ...string) *stream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, strings.NewReader(`{"message":"hi"}`))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	s := &stream{resp: resp, events: make(chan sse.Event, 64), done: make(chan error, 1)}
	go func() {
		defer close(s.events)
		d := sse.NewDecoder(bufio.NewReader(resp.Body))
		for {
			e, err := d.Next()
			if err != nil {
				if err == io.EOF {
					err = nil
				}
				s.done <- err
				return
			}
			s.events <- e
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// next returns the next event, or fails after a generous wait (the stream
// is served at --speed max; only a hold stops it).
func (s *stream) next(t *testing.T) sse.Event {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended early")
		}
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20 s")
	}
	return sse.Event{}
}

// quiet checks that no event arrives for a while: a held stream sends
// nothing. 300 ms is far longer than a --speed max stream takes to send
// everything, so an event that was not held would show.
func (s *stream) quiet(t *testing.T) {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if ok {
			t.Fatalf("a held stream sent %s", e.Type)
		}
		t.Fatal("a held stream ended")
	case <-time.After(300 * time.Millisecond):
	}
}

// rest reads to the end and returns the types of the events.
func (s *stream) rest(t *testing.T) []string {
	t.Helper()
	var types []string
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				if err := <-s.done; err != nil {
					t.Fatalf("the stream failed: %v", err)
				}
				return types
			}
			types = append(types, e.Type)
		case <-time.After(20 * time.Second):
			t.Fatal("the stream did not end within 20 s")
		}
	}
}

var max = replayer.Options{Pacing: replayer.Pacing{Max: true}}

// The story of DESIGN.md: a test holds the stream at tool_call, looks, and
// releases it; the client then gets every event, in order, and the journal
// says what happened.
func TestHoldAtToolCallThenRelease(t *testing.T) {
	s := start(t, max)
	c := s.Control
	id, err := c.Fault(ctx(t), "hold:type=tool_call", controlclient.FaultOptions{Path: "/api/chat"})
	if err != nil {
		t.Fatal(err)
	}
	st := open(t, s.URL, "/api/chat")
	if e := st.next(t); e.Type != "thinking" {
		t.Fatalf("first event %q, want thinking", e.Type)
	}
	held, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if held.NextType == nil || *held.NextType != "tool_call" || held.EventsSent != 1 || held.EventsTotal != 9 ||
		held.Interaction != "builtin:agent.yaml#1" || held.Path != "/api/chat" {
		t.Fatalf("held stream: %+v (next %v)", held, held.NextType)
	}
	st.quiet(t)
	if err := c.Release(ctx(t), held.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	got := st.rest(t)
	want := []string{"tool_call", "tool_result", "text_delta", "text_delta", "text_delta", "text_delta", "final_answer", "done"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after the release: %v, want %v", got, want)
	}
	// Releasing again: the stream is gone.
	var ce *controlclient.Error
	if err := c.Release(ctx(t), held.ID, controlclient.Release{}); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("release of an ended stream: %v, want 404", err)
	}
	// The journal: the armed fault, all events, a clean end.
	reqs, err := c.Requests(ctx(t), controlclient.RequestFilter{Path: "/api/chat"})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("journal: %v %+v", err, reqs)
	}
	r := waitEnded(t, c, reqs[0].ID)
	if len(r.Faults) != 1 || r.Faults[0].Source != "armed" || r.Faults[0].ArmedID == nil || *r.Faults[0].ArmedID != id ||
		r.Faults[0].Fault != "hold:type=tool_call" {
		t.Errorf("journal faults: %+v", r.Faults)
	}
	if r.EventsSent != 9 || r.End == nil || r.End.Reason != "eof" || r.Status == nil || *r.Status != 200 || r.Body != `{"message":"hi"}` {
		t.Errorf("journal entry: %+v", r)
	}
	// Used up: the next request streams without a hold.
	if fs, _ := c.Faults(ctx(t)); len(fs) != 0 {
		t.Errorf("armed after use: %+v", fs)
	}
	if got := open(t, s.URL, "/api/chat").rest(t); len(got) != 9 {
		t.Errorf("second request: %v", got)
	}
}

// waitEnded polls the journal until the entry's request has ended.
func waitEnded(t *testing.T, c *controlclient.Client, id string) controlclient.Request {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		reqs, err := c.Requests(ctx(t), controlclient.RequestFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			if r.ID == id && r.End != nil {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal entry %s did not end: %+v", id, reqs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Release sends K events and holds again, or up to an event, or everything
// ignoring later holds.
func TestReleaseKinds(t *testing.T) {
	s := start(t, max)
	c := s.Control
	cases := []struct {
		name  string
		rel   controlclient.Release
		then  []string // the events after the release, before the next hold
		after string   // the next_type held at
	}{
		{"events", controlclient.Release{Events: 2}, []string{"thinking", "tool_call"}, "tool_result"},
		{"until", controlclient.Release{Until: "final_answer"}, []string{"thinking", "tool_call", "tool_result", "text_delta", "text_delta", "text_delta", "text_delta"}, "final_answer"},
		{"until data", controlclient.Release{UntilData: "48億円です"}, []string{"thinking", "tool_call", "tool_result", "text_delta", "text_delta", "text_delta"}, "text_delta"},
		{"until type-from", controlclient.Release{Until: "done", TypeFrom: "data.type"}, []string{"thinking", "tool_call", "tool_result", "text_delta", "text_delta", "text_delta", "text_delta", "final_answer"}, "done"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			session := "release-" + strings.ReplaceAll(tc.name, " ", "-")
			cs := c.ForSession(session)
			if _, err := cs.Fault(ctx(t), "hold", controlclient.FaultOptions{}); err != nil {
				t.Fatal(err)
			}
			st := open(t, s.URL, "/api/chat", "Ssetape-Session", session)
			h, err := cs.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if h.EventsSent != 0 || *h.NextType != "thinking" || h.Session != session {
				t.Fatalf("held at start: %+v", h)
			}
			if err := cs.Release(ctx(t), h.ID, tc.rel); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.then {
				if e := st.next(t); e.Type != want {
					t.Fatalf("got %s, want %s", e.Type, want)
				}
			}
			st.quiet(t)
			h2, err := cs.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if h2.ID != h.ID || h2.NextType == nil || *h2.NextType != tc.after || h2.EventsSent != len(tc.then) {
				t.Fatalf("held again: %+v, want before %s after %d events", h2, tc.after, len(tc.then))
			}
			// All: everything that is left, at once.
			if err := cs.Release(ctx(t), h.ID, controlclient.Release{All: true}); err != nil {
				t.Fatal(err)
			}
			if rest := st.rest(t); len(rest)+len(tc.then) != 9 {
				t.Fatalf("after all: %v", rest)
			}
		})
	}
}

// Several hold points in one spec: each holds, and all: true skips the
// rest.
func TestSeveralHoldsAndAll(t *testing.T) {
	s := start(t, max)
	c := s.Control
	if _, err := c.Fault(ctx(t), "hold:type=tool_call;hold:type=final_answer", controlclient.FaultOptions{}); err != nil {
		t.Fatal(err)
	}
	st := open(t, s.URL, "/api/chat")
	h, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil || *h.NextType != "tool_call" {
		t.Fatalf("%v %+v", err, h)
	}
	_ = st.next(t) // thinking
	if err := c.Release(ctx(t), h.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		st.next(t) // tool_call up to the last text_delta
	}
	h, err = c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil || *h.NextType != "final_answer" || h.EventsSent != 7 {
		t.Fatalf("second hold: %v %+v", err, h)
	}
	if err := c.Release(ctx(t), h.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	if got := st.rest(t); strings.Join(got, " ") != "final_answer done" {
		t.Fatalf("rest: %v", got)
	}
}

// A stream that is not held cannot be released (409); a release to a
// stream that does not exist is 404.
func TestReleaseErrors(t *testing.T) {
	s := start(t, replayer.Options{})
	c := s.Control
	st := open(t, s.URL, "/api/chat") // paced as recorded: open for 1.6 s
	open, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "open"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var ce *controlclient.Error
	if err := c.Release(ctx(t), open.ID, controlclient.Release{}); !errors.As(err, &ce) || ce.Status != 409 {
		t.Errorf("release of an open stream: %v, want 409", err)
	}
	if err := c.Release(ctx(t), "999999", controlclient.Release{}); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("release of no stream: %v, want 404", err)
	}
	if err := c.End(ctx(t), open.ID, false); err != nil {
		t.Fatal(err)
	}
	got := st.rest(t) // ends cleanly, early
	if len(got) >= 9 {
		t.Errorf("an ended stream sent everything: %v", got)
	}
}

// End with reset: the client sees a connection reset, and the journal says
// so.
func TestEndWithReset(t *testing.T) {
	s := start(t, max)
	c := s.Control
	if _, err := c.Fault(ctx(t), "hold:after=2", controlclient.FaultOptions{}); err != nil {
		t.Fatal(err)
	}
	st := open(t, s.URL, "/api/chat")
	h, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	st.next(t)
	st.next(t)
	ids, err := c.EndAll(ctx(t), true)
	if err != nil || len(ids) != 1 || ids[0] != h.ID {
		t.Fatalf("end all: %v %v", ids, err)
	}
	for range st.events {
	}
	if err := <-st.done; err == nil {
		t.Error("a reset stream ended cleanly for its client")
	}
	reqs, _ := c.Requests(ctx(t), controlclient.RequestFilter{})
	r := waitEnded(t, c, reqs[0].ID)
	if !strings.Contains(r.End.Reason, "reset") || r.EventsSent != 2 {
		t.Errorf("journal: %+v", r.End)
	}
}

// Held streams cost no pacing: a stream held for longer than the whole
// recording still sends the rest with its recorded gaps, counted from the
// release.
func TestReleaseKeepsGaps(t *testing.T) {
	s := start(t, replayer.Options{Pacing: replayer.Pacing{Speed: 4}})
	c := s.Control
	if _, err := c.Fault(ctx(t), "hold:type=text_delta", controlclient.FaultOptions{}); err != nil {
		t.Fatal(err)
	}
	st := open(t, s.URL, "/api/chat")
	h, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		st.next(t)
	}
	time.Sleep(600 * time.Millisecond) // longer than the rest of the recording at 4×
	released := time.Now()
	if err := c.Release(ctx(t), h.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	st.rest(t)
	// The rest is 1.26 s → 1.64 s recorded, 95 ms at 4×: never sent all at
	// once (that would mean the held time was taken off the gaps), and not
	// held on (generous: a busy machine under -race).
	took := time.Since(released)
	if took < 80*time.Millisecond || took > 5*time.Second {
		t.Errorf("the rest took %v after the release, want about 95 ms", took)
	}
}

// Streams of other sessions are not listed for a session's filter, and a
// long poll with wait answers as soon as one matches.
func TestStreamsFilterAndWait(t *testing.T) {
	s := start(t, replayer.Options{})
	c := s.Control
	ss, err := c.Streams(ctx(t), controlclient.StreamFilter{})
	if err != nil || len(ss) != 0 {
		t.Fatalf("streams at start: %v %v", ss, err)
	}
	got := make(chan controlclient.Stream, 1)
	go func() {
		st, err := c.ForSession("b").WaitStream(context.Background(), controlclient.StreamFilter{}, 20*time.Second)
		if err == nil {
			got <- st
		}
		close(got)
	}()
	a := open(t, s.URL, "/api/chat", "Ssetape-Session", "a")
	b := open(t, s.URL, "/api/chat", "Ssetape-Session", "b")
	st, ok := <-got
	if !ok || st.Session != "b" {
		t.Fatalf("long poll for session b got %+v", st)
	}
	ss, _ = c.ForSession("a").Streams(ctx(t), controlclient.StreamFilter{})
	for _, x := range ss {
		if x.Session != "a" {
			t.Errorf("session a's list holds %+v", x)
		}
	}
	a.rest(t)
	b.rest(t)
}

// A hold sent by the request itself (Ssetape-Fault) composes with other
// faults: the stream is re-cut to 7-byte chunks and still holds before
// tool_call. Parallel sessions never see each other's holds.
func TestHoldFromRequestAndSessions(t *testing.T) {
	s := start(t, max)
	c := s.Control
	if _, err := c.ForSession("a").Fault(ctx(t), "hold:type=tool_call", controlclient.FaultOptions{}); err != nil {
		t.Fatal(err)
	}
	b := open(t, s.URL, "/api/chat", "Ssetape-Session", "b")
	if got := b.rest(t); len(got) != 9 {
		t.Fatalf("session b was held by session a's fault: %v", got)
	}
	r := open(t, s.URL, "/api/chat", "Ssetape-Session", "r", "Ssetape-Fault", "hold:type=tool_call;chunk:size=7")
	h, err := c.ForSession("r").WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second)
	if err != nil || *h.NextType != "tool_call" || h.EventsSent != 1 {
		t.Fatalf("held from the request: %v %+v", err, h)
	}
	if e := r.next(t); e.Type != "thinking" {
		t.Fatalf("first event %s", e.Type)
	}
	r.quiet(t)
	if err := c.Release(ctx(t), h.ID, controlclient.Release{}); err != nil {
		t.Fatal(err)
	}
	if got := r.rest(t); len(got) != 8 {
		t.Fatalf("after the release: %v", got)
	}
	// Session a's fault is still armed: b and r did not use it up.
	if fs, _ := c.Faults(ctx(t)); len(fs) != 1 {
		t.Errorf("armed: %+v", fs)
	}
}

// A held stream whose client leaves is freed: it leaves the list, and
// nothing of it is left running (goleak, in TestMain). A server closed
// with streams held ends them.
func TestHeldStreamFreed(t *testing.T) {
	s := start(t, max)
	c := s.Control
	if _, err := c.Fault(ctx(t), "hold:after=1", controlclient.FaultOptions{Times: controlclient.Forever}); err != nil {
		t.Fatal(err)
	}
	gone := open(t, s.URL, "/api/chat")
	if _, err := c.WaitStream(ctx(t), controlclient.StreamFilter{State: "held"}, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	gone.resp.Body.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ss, err := c.Streams(ctx(t), controlclient.StreamFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a held stream whose client left is still open: %+v", ss)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Two held streams, then Close: both end for their clients.
	one, two := open(t, s.URL, "/api/chat"), open(t, s.URL, "/api/chat")
	for {
		ss, _ := c.Streams(ctx(t), controlclient.StreamFilter{State: "held"})
		if len(ss) == 2 {
			break
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("two streams not held: %+v", ss)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Server.Close()
	for _, st := range []*stream{one, two} {
		select {
		case <-st.done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close left a held stream open")
		}
	}
}
