package control_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

// A cassette added at run time answers its requests ahead of the ones the
// server started with, only for its session when it has one, and stops
// when removed.
func TestAddRemoveCassette(t *testing.T) {
	s := start(t, max)
	c := s.Control
	override := `version: 1
interactions:
  - request: {method: POST, path: /api/chat}
    match: {body: any}
    response:
      status: 200
      headers: {Content-Type: [text/event-stream]}
      entries:
        - {at: 0s, event: only, data: "added"}
`
	id, err := c.ForSession("mine").AddCassette(ctx(t), []byte(override))
	if err != nil {
		t.Fatal(err)
	}
	if got := open(t, s.URL, "/api/chat", "Ssetape-Session", "mine").rest(t); strings.Join(got, " ") != "only" {
		t.Errorf("session mine: %v", got)
	}
	if got := open(t, s.URL, "/api/chat").rest(t); len(got) != 9 {
		t.Errorf("another session got the added cassette: %v", got)
	}
	reqs, _ := c.Requests(ctx(t), controlclient.RequestFilter{Session: ptr("mine")})
	if len(reqs) != 1 || reqs[0].Interaction == nil || *reqs[0].Interaction != "cassette:"+id+"#1" {
		t.Errorf("the journal names the added interaction: %+v", reqs)
	}
	h, _ := c.Health(ctx(t))
	if h.Interactions != 4 {
		t.Errorf("health counts %d interactions, want 4", h.Interactions)
	}
	if err := c.RemoveCassette(ctx(t), id); err != nil {
		t.Fatal(err)
	}
	if got := open(t, s.URL, "/api/chat", "Ssetape-Session", "mine").rest(t); len(got) != 9 {
		t.Errorf("after removal: %v", got)
	}
	var ce *controlclient.Error
	if err := c.RemoveCassette(ctx(t), id); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("removing twice: %v", err)
	}
	// JSON works as YAML does; ids are never reused.
	id2, err := c.AddCassette(ctx(t), []byte(`{"version":1,"interactions":[{"request":{"method":"GET","path":"/j"},"response":{"status":200,"headers":{"Content-Type":["text/event-stream"]},"entries":[{"at":"0s","data":"x"}]}}]}`))
	if err != nil || id2 == id {
		t.Fatalf("JSON cassette: %q %v", id2, err)
	}
	if a := do(t, "GET", s.URL+"/j", "", ""); a.status != 200 || !strings.Contains(a.body, "data: x") {
		t.Errorf("GET /j: %d %q", a.status, a.body)
	}
}

// A bad cassette is refused with every problem, each with its line and
// column, as a file would be.
func TestAddCassetteErrors(t *testing.T) {
	s := start(t, max)
	bad := `version: 1
interactions:
  - request: {method: POST, path: /x}
    respons: {}
  - request: {method: GET, path: /y}
    response:
      status: 99
`
	_, err := s.Control.AddCassette(ctx(t), []byte(bad))
	var ce *controlclient.Error
	if !errors.As(err, &ce) || ce.Status != 400 || len(ce.Problems) < 2 {
		t.Fatalf("bad cassette: %v", err)
	}
	if p := ce.Problems[0]; p.Line != 4 || p.Column != 5 || !strings.Contains(p.Message, "cassette:4:5") || !strings.Contains(p.Message, "response") {
		t.Errorf("first problem: %+v", p)
	}
	if p := ce.Problems[len(ce.Problems)-1]; p.Line != 7 || !strings.Contains(p.Message, "status") {
		t.Errorf("last problem: %+v", p)
	}
	if a := post(t, s.URL+"/__ssetape/cassettes", "application/yaml", "a: [\n"); a.status != 400 || !strings.Contains(a.body, "cassette:") {
		t.Errorf("YAML that does not parse: %d %s", a.status, a.body)
	}
	if a := post(t, s.URL+"/__ssetape/cassettes?session="+strings.Repeat("s", 300), "application/yaml", "version: 1\n"); a.status != 400 || a.field != "session" {
		t.Errorf("a session name too long: %d %s", a.status, a.body)
	}
}

// A cassette added at run time may hold a synth: block: it is expanded as
// a file's is, and served.
func TestAddSynthCassette(t *testing.T) {
	s := start(t, max)
	_, err := s.Control.AddCassette(ctx(t), []byte("version: 1\ninteractions:\n  - response:\n      synth: {wire: openai-chat, text: \"from a script\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := open(t, s.URL, "/v1/chat/completions").rest(t)
	if len(got) < 3 {
		t.Fatalf("synthesized stream: %v", got)
	}
}
