package control

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer"
)

// serveSmall serves the sample with a control API whose caps are small.
func serveSmall(t *testing.T, armed, added, polls int) (*Control, string) {
	t.Helper()
	c := New(Options{})
	c.caps = caps{armed: armed, added: added, polls: polls}
	cas, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := replayer.New([]replayer.Source{{Name: "a", Cassette: cas}}, replayer.Options{Armed: c.Armed(), Journal: c.Journal()})
	if err != nil {
		t.Fatal(err)
	}
	c.Attach(srv)
	ts := httptest.NewServer(c.Handler(srv))
	t.Cleanup(func() { c.Close(); srv.Close(); ts.Close() })
	return c, ts.URL
}

func status(t *testing.T, method, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Past each cap the API answers 409 (429 for long polls) and keeps
// working.
func TestCaps(t *testing.T) {
	c, url := serveSmall(t, 2, 1, 1)
	for i, want := range []int{201, 201, 409} {
		if got := status(t, "POST", url+"/__ssetape/faults", `{"fault":"hold","times":0}`); got != want {
			t.Errorf("arm %d: %d, want %d", i+1, got, want)
		}
	}
	if got := status(t, "DELETE", url+"/__ssetape/faults", ""); got != 200 {
		t.Fatal(got)
	}
	if got := status(t, "POST", url+"/__ssetape/faults", `{"fault":"hold"}`); got != 201 {
		t.Errorf("after disarming: %d", got)
	}
	cas := "version: 1\ninteractions: []\n"
	if got := status(t, "POST", url+"/__ssetape/cassettes", cas); got != 201 {
		t.Errorf("add: %d", got)
	}
	if got := status(t, "POST", url+"/__ssetape/cassettes", cas); got != 409 {
		t.Errorf("add past the cap: %d", got)
	}
	// One long poll waits; a second is refused; Close answers the first.
	done := make(chan int, 1)
	go func() { done <- status(t, "GET", url+"/__ssetape/streams?wait=30s", "") }()
	deadline := time.Now().Add(10 * time.Second)
	for c.polls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := status(t, "GET", url+"/__ssetape/requests?wait=30s&path=/none", ""); got != 429 {
		t.Errorf("a long poll past the cap: %d", got)
	}
	if got := status(t, "GET", url+"/__ssetape/requests?path=/none", ""); got != 200 {
		t.Errorf("a poll without wait is never refused: %d", got)
	}
	c.Close()
	select {
	case got := <-done:
		if got != 200 {
			t.Errorf("the long poll answered %d at Close", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the long poll")
	}
}

// The journal's byte bound drops the oldest entries when bodies are large.
func TestJournalByteBound(t *testing.T) {
	j := newJournal(1000, 3*(MaxBodyKept+entryOverhead+200), cassette.Redaction{})
	for i := range 10 {
		req := httptest.NewRequest("POST", "/x", nil)
		x := newExchangeFor(req, strings.Repeat("b", MaxBodyKept*2))
		j.Record(x)
		if j.bytes > j.maxBytes {
			t.Fatalf("after %d: %d bytes kept, over %d", i+1, j.bytes, j.maxBytes)
		}
	}
	if n := j.len(); n != 3 {
		t.Errorf("%d entries kept, want 3", n)
	}
}

func newExchangeFor(r *http.Request, body string) *observe.Exchange {
	return observe.NewExchange(r, "", []byte(body), time.Now())
}
