package control_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/control"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/sse"
)

func parseFaults(s string) ([]*fault.Spec, error) { return fault.Parse(s) }

type answer struct {
	status int
	field  string
	body   string
	header http.Header
}

func do(t *testing.T, method, url, contentType, body string, header ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Field string `json:"field"`
	}
	_ = json.Unmarshal(b, &e)
	return answer{status: resp.StatusCode, field: e.Field, body: string(b), header: resp.Header}
}

func post(t *testing.T, url, contentType, body string) answer {
	return do(t, http.MethodPost, url, contentType, body)
}

// The journal keeps what the app sent, redacted, with the outcome, and
// never the control API's own requests.
func TestJournal(t *testing.T) {
	s := start(t, max)
	c := s.Control
	big := `{"message":"` + strings.Repeat("x", control.MaxBodyKept) + `"}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/chat?ssetape_session=j", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer sk-live-abcdefghijklmnopqrstuvwxyz")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	resp, _ = http.Post(s.URL+"/missing?api_key=sk-abcdefghijklmnopqrstuvwxyz123456&q=1", "application/octet-stream", bytes.NewReader([]byte{0xff, 0xfe, 0}))
	resp.Body.Close()
	_, _ = c.Health(ctx(t)) // not journaled

	all, err := c.Requests(ctx(t), controlclient.RequestFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("journal: %v %+v", err, all)
	}
	r := waitEnded(t, c, all[0].ID)
	if r.Session != "j" || r.Method != "POST" || r.Path != "/api/chat" || r.Interaction == nil || *r.Interaction != "builtin:agent.yaml#1" || r.Stream == nil {
		t.Errorf("entry: session %q %s %s interaction %v stream %v status %v", r.Session, r.Method, r.Path, r.Interaction, r.Stream, r.Status)
	}
	if got := r.Headers["Authorization"]; len(got) != 1 || got[0] != "REDACTED" {
		t.Errorf("Authorization kept as %v", got)
	}
	body, _ := r.Body.(string)
	if !r.BodyTruncated || len(body) != control.MaxBodyKept {
		t.Errorf("a body over 64 KiB: truncated %v, %d bytes kept", r.BodyTruncated, len(body))
	}
	if _, err := time.Parse(time.RFC3339Nano, r.At); err != nil {
		t.Errorf("at %q: %v", r.At, err)
	}
	miss := waitEnded(t, c, all[1].ID)
	if got := miss.Query["api_key"]; len(got) != 1 || got[0] != "REDACTED" || miss.Query["q"][0] != "1" {
		t.Errorf("query kept as %v", miss.Query)
	}
	if miss.Interaction != nil || *miss.Status != 404 || miss.End == nil {
		t.Errorf("404 entry: interaction %v status %v end %v", miss.Interaction, miss.Status, miss.End)
	}
	if b, ok := miss.Body.(map[string]any); !ok || b["base64"] != "//4A" {
		t.Errorf("a body that is not UTF-8: %#v", miss.Body)
	}
	// Filters.
	for _, tc := range []struct {
		f    controlclient.RequestFilter
		want int
	}{
		{controlclient.RequestFilter{Session: ptr("j")}, 1},
		{controlclient.RequestFilter{Session: ptr("")}, 1},
		{controlclient.RequestFilter{Path: "/missing"}, 1},
		{controlclient.RequestFilter{Method: "GET"}, 0},
		{controlclient.RequestFilter{Since: all[0].ID}, 1},
		{controlclient.RequestFilter{Since: all[1].ID}, 0},
	} {
		got, err := c.Requests(ctx(t), tc.f)
		if err != nil || len(got) != tc.want {
			t.Errorf("%+v: %d entries (%v), want %d", tc.f, len(got), err, tc.want)
		}
	}
	// Clear one session, then all.
	if err := c.ForSession("j").ClearRequests(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Requests(ctx(t), controlclient.RequestFilter{}); len(got) != 1 || got[0].Path != "/missing" {
		t.Errorf("after clearing session j: %+v", got)
	}
	if err := c.ClearRequests(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Requests(ctx(t), controlclient.RequestFilter{}); len(got) != 0 {
		t.Errorf("after clearing: %+v", got)
	}
}

// A long poll on the journal answers when the request comes, not at its
// timeout; with nothing coming it answers an empty list at the timeout.
func TestJournalWait(t *testing.T) {
	s := start(t, max)
	c := s.Control
	got := make(chan []controlclient.Request, 1)
	go func() {
		r, _ := c.Requests(ctx(t), controlclient.RequestFilter{Path: "/api/chat", Wait: 30 * time.Second})
		got <- r
	}()
	time.Sleep(50 * time.Millisecond)
	began := time.Now()
	open(t, s.URL, "/api/chat").rest(t)
	select {
	case r := <-got:
		if len(r) != 1 {
			t.Errorf("long poll: %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the long poll did not answer when the request came")
	}
	if time.Since(began) > 15*time.Second {
		t.Error("the long poll waited for its timeout")
	}
	r, err := c.Requests(ctx(t), controlclient.RequestFilter{Path: "/never", Wait: 100 * time.Millisecond})
	if err != nil || len(r) != 0 {
		t.Errorf("a poll that times out: %v %+v", err, r)
	}
	if a := do(t, "GET", s.URL+"/__ssetape/requests?wait=2m", "", ""); a.status != 400 || a.field != "wait" {
		t.Errorf("wait over a minute: %d %s", a.status, a.body)
	}
}

// The journal keeps at most --journal entries, dropping the oldest.
func TestJournalBound(t *testing.T) {
	opts := max
	ctl := control.New(control.Options{Journal: 3})
	opts.Journal = ctl.Journal()
	s := start(t, opts)
	for i := range 5 {
		resp, _ := http.Get(fmt.Sprintf("%s/n%d", s.URL, i))
		resp.Body.Close()
	}
	ctl.Attach(s.Server)
	ts := serve(t, ctl.Handler(nil))
	got, err := controlclient.New(ts).Requests(ctx(t), controlclient.RequestFilter{})
	if err != nil || len(got) != 3 || got[0].Path != "/n2" || got[2].Path != "/n4" || got[0].ID != "3" {
		t.Errorf("bounded journal: %v %+v", err, got)
	}
	h, _ := controlclient.New(ts).Health(ctx(t))
	if h.Journal != 3 {
		t.Errorf("health journal %d", h.Journal)
	}
}

// Contract violations found on a stream land in its journal entry.
func TestJournalViolations(t *testing.T) {
	var obs recordViolations
	opts := max
	opts.Observer = &obs
	s := start(t, opts)
	c := s.Control
	if got := open(t, s.URL, "/api/chat", "Ssetape-Fault", "drop:type=done").rest(t); len(got) != 8 {
		t.Fatalf("%v", got)
	}
	reqs, _ := c.Requests(ctx(t), controlclient.RequestFilter{})
	r := waitEnded(t, c, reqs[0].ID)
	if len(r.Violations) != 1 || r.Violations[0].Rule != "TEST-1" || r.Violations[0].Event != 8 {
		t.Errorf("violations: %+v", r.Violations)
	}
}

// recordViolations is an observer that reports a made-up rule at the end
// of every stream, on its last event, the way assert.Monitor reports
// through observe.Stream.Exchange.
type recordViolations struct {
	mu   sync.Mutex
	last map[uint64]int
}

func (o *recordViolations) Event(s *observe.Stream, n int, _ sse.Event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.last == nil {
		o.last = map[uint64]int{}
	}
	o.last[s.ID] = n
}

func (o *recordViolations) End(s *observe.Stream, _ error) {
	o.mu.Lock()
	n := o.last[s.ID]
	o.mu.Unlock()
	s.Exchange.Violate(observe.Violation{Rule: "TEST-1", Severity: "error", Event: n, Message: "made up"})
}
