package control_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

// Armed faults are used up one per request that is handed them; a 404, a
// request with its own faults and other sessions' requests use up nothing.
func TestArmedTimesAndScope(t *testing.T) {
	s := start(t, max)
	c := s.Control.ForSession("t1")
	id, err := c.Fault(ctx(t), "drop:type=done", controlclient.FaultOptions{Times: 2, Method: "post", Path: "/api/chat"})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := c.Faults(ctx(t))
	if len(fs) != 1 || fs[0].ID != id || *fs[0].TimesLeft != 2 || *fs[0].Session != "t1" || *fs[0].Method != "POST" || fs[0].Times != 2 {
		t.Fatalf("listed: %+v", fs)
	}
	types := func(session, path string, header ...string) string {
		return strings.Join(open(t, s.URL, path, append([]string{"Ssetape-Session", session}, header...)...).rest(t), " ")
	}
	// Another session, another path, a 404, a request's own faults: not
	// used up.
	if got := types("t2", "/api/chat"); !strings.HasSuffix(got, "done") {
		t.Errorf("session t2 got the fault: %s", got)
	}
	if got := types("t1", "/api/chat/en"); !strings.HasSuffix(got, "done") {
		t.Errorf("another path got the fault: %s", got)
	}
	resp, _ := http.Post(s.URL+"/nope", "application/json", strings.NewReader("{}"))
	resp.Body.Close()
	if got := types("t1", "/api/chat", "Ssetape-Fault", "none"); !strings.HasSuffix(got, "done") {
		t.Errorf("Ssetape-Fault: none still got the armed fault: %s", got)
	}
	if fs, _ := c.Faults(ctx(t)); len(fs) != 1 || *fs[0].TimesLeft != 2 {
		t.Fatalf("used up by requests that were not handed it: %+v", fs)
	}
	// Two requests that match use it up.
	for i := range 2 {
		if got := types("t1", "/api/chat"); strings.HasSuffix(got, "done") {
			t.Errorf("request %d kept done: %s", i+1, got)
		}
	}
	if fs, _ := c.Faults(ctx(t)); len(fs) != 0 {
		t.Errorf("still armed: %+v", fs)
	}
	if got := types("t1", "/api/chat"); !strings.HasSuffix(got, "done") {
		t.Errorf("a third request got the fault: %s", got)
	}
}

// Every armed fault that matches applies, oldest first; armed faults
// replace the cassette's and the command line's; times 0 stays until
// disarmed.
func TestArmedOrderAndPrecedence(t *testing.T) {
	opts := max
	var err error
	opts.Faults, err = parseFaults("drop:type=thinking")
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, opts)
	c := s.Control
	a, _ := c.Fault(ctx(t), "drop:type=done", controlclient.FaultOptions{Times: controlclient.Forever})
	b, _ := c.Fault(ctx(t), "drop:type=final_answer", controlclient.FaultOptions{})
	got := strings.Join(open(t, s.URL, "/api/chat").rest(t), " ")
	if strings.Contains(got, "final_answer") || strings.Contains(got, "done") || !strings.HasPrefix(got, "thinking") {
		t.Errorf("with two armed: %s (both armed apply; the command line's does not)", got)
	}
	reqs, _ := c.Requests(ctx(t), controlclient.RequestFilter{})
	r := waitEnded(t, c, reqs[len(reqs)-1].ID)
	if len(r.Faults) != 2 || *r.Faults[0].ArmedID != a || *r.Faults[1].ArmedID != b {
		t.Errorf("journal faults, oldest first: %+v", r.Faults)
	}
	fs, _ := c.Faults(ctx(t))
	if len(fs) != 1 || fs[0].ID != a || fs[0].TimesLeft != nil {
		t.Errorf("after one request: %+v (times 0 has times_left null)", fs)
	}
	if err := c.ClearFaults(ctx(t), a); err != nil {
		t.Fatal(err)
	}
	if got := open(t, s.URL, "/api/chat").rest(t); got[0] == "thinking" {
		t.Errorf("with none armed the command line's fault applies again: %v", got)
	}
	var ce *controlclient.Error
	if err := c.ClearFaults(ctx(t), a); !errors.As(err, &ce) || ce.Status != 404 {
		t.Errorf("disarming twice: %v", err)
	}
}

// A resumed request gets only the armed faults that say resume=yes, and
// uses up no other. The cassette, with event ids, is added at run time.
func TestArmedOnResume(t *testing.T) {
	s := start(t, max)
	c := s.Control
	if _, err := c.AddCassette(ctx(t), []byte(withIDs)); err != nil {
		t.Fatal(err)
	}
	plain, _ := c.Fault(ctx(t), "drop:type=b", controlclient.FaultOptions{})
	resumes, _ := c.Fault(ctx(t), "drop:type=c,resume=yes", controlclient.FaultOptions{})
	got := strings.Join(open(t, s.URL, "/ids", "Last-Event-ID", "1").rest(t), " ")
	if got != "b" {
		t.Errorf("resumed after 1: %q, want b (c dropped by the resume=yes fault, b kept)", got)
	}
	fs, _ := c.Faults(ctx(t))
	if len(fs) != 1 || fs[0].ID != plain {
		t.Errorf("after a resumed request: %+v, want only %s left (%s used up)", fs, plain, resumes)
	}
}

const withIDs = `version: 1
interactions:
  - request: {method: POST, path: /ids}
    match: {body: any}
    response:
      status: 200
      headers: {Content-Type: [text/event-stream]}
      entries:
        - {at: 0s, id: "1", event: a, data: "1"}
        - {at: 0s, id: "2", event: b, data: "2"}
        - {at: 0s, id: "3", event: c, data: "3"}
`

// Bad armed faults are 400 naming the field.
func TestArmErrors(t *testing.T) {
	s := start(t, replayer.Options{})
	c := s.Control
	for _, tc := range []struct {
		spec  string
		o     controlclient.FaultOptions
		field string
		text  string
	}{
		{"", controlclient.FaultOptions{}, "fault", "required"},
		{"explode", controlclient.FaultOptions{}, "fault", "explode"},
		{"close:after=x", controlclient.FaultOptions{}, "fault", "after"},
		{"hold", controlclient.FaultOptions{Path: "api/chat"}, "path", "starting with /"},
		{"hold", controlclient.FaultOptions{Path: "/api/chat?x=1"}, "path", "without the query"},
		{"hold", controlclient.FaultOptions{Session: ptr(strings.Repeat("s", 300))}, "session", "limit"},
	} {
		_, err := c.Fault(ctx(t), tc.spec, tc.o)
		var ce *controlclient.Error
		if !errors.As(err, &ce) || ce.Status != 400 || ce.Field != tc.field || !strings.Contains(ce.Message, tc.text) {
			t.Errorf("%q %+v: %v, want 400 on %s mentioning %q", tc.spec, tc.o, err, tc.field, tc.text)
		}
	}
	// times below 0 and unknown fields, sent raw.
	for body, field := range map[string]string{`{"fault":"hold","times":-1}`: "times", `{"fault":"hold","tims":1}`: "tims", `{"fault":5}`: "fault"} {
		resp := post(t, s.URL+"/__ssetape/faults", "application/json", body)
		if resp.status != 400 || resp.field != field {
			t.Errorf("%s: %d field %q (%s), want 400 on %s", body, resp.status, resp.field, resp.body, field)
		}
	}
}

func ptr[T any](v T) *T { return &v }
