package control

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/replayer"
)

// FuzzControl sends the handler any method, route and body: it never
// panics and always answers JSON with a status the API documents.
func FuzzControl(f *testing.F) {
	for _, s := range [][3]string{
		{"POST", "faults", `{"fault":"hold:type=tool_call","session":"s","times":2}`},
		{"POST", "faults", `{"fault":"drop:type=done;chunk:size=1","path":"/api/chat"}`},
		{"GET", "faults", ``},
		{"DELETE", "faults/f1", ``},
		{"GET", "streams?state=held&wait=1ms", ``},
		{"POST", "streams/1/release", `{"until":{"type":"done","type_from":"data.type"},"speed":"max"}`},
		{"POST", "streams/release", `{"session":"s","events":2}`},
		{"POST", "streams/end", `{"how":"reset"}`},
		{"GET", "requests?since=3&session=s", ``},
		{"POST", "cassettes?session=x", "version: 1\ninteractions: []\n"},
		{"DELETE", "cassettes/1", ``},
		{"POST", "reset", `{"session":""}`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	c := New(Options{Journal: 100})
	c.caps = caps{armed: 50, added: 5, polls: 2}
	cas, err := cassette.Parse(fixtures.Agent, fixtures.AgentName)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := replayer.New([]replayer.Source{{Name: "a", Cassette: cas}}, replayer.Options{Armed: c.Armed(), Journal: c.Journal()})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	c.Attach(srv)
	documented := map[int]bool{200: true, 201: true, 204: true, 400: true, 403: true, 404: true, 405: true, 409: true, 413: true, 415: true, 429: true}
	f.Fuzz(func(t *testing.T, method, route, body string) {
		if strings.Contains(route, "wait=") {
			return // a long poll waits; the seeds cover it with 1 ms
		}
		req, err := http.NewRequest(method, "http://127.0.0.1/__ssetape/"+route, strings.NewReader(body))
		if err != nil {
			return
		}
		ct := "application/json"
		if strings.HasPrefix(route, "cassettes") {
			ct = "application/yaml"
		}
		req.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		c.ServeHTTP(w, req)
		if !documented[w.Code] {
			t.Fatalf("%s %s: status %d", method, route, w.Code)
		}
		if w.Code != 204 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: not JSON: %q", method, route, w.Body.String())
		}
	})
}
