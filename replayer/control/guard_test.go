package control_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/replayer/control"
	"github.com/ssetape/ssetape/replayer/control/controlclient"
)

// serve serves h on a loopback port for the test and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}

// A token, when set, is needed by every control request, and never by the
// replayed traffic.
func TestToken(t *testing.T) {
	ctl := control.New(control.Options{Token: "s3cret-token"})
	s := start(t, max)
	ctl.Attach(s.Server)
	url := serve(t, ctl.Handler(s.Server))
	for _, auth := range []string{"", "Bearer wrong", "s3cret-token", "Bearer s3cret-token2", "Basic s3cret-token"} {
		a := do(t, "GET", url+"/__ssetape/health", "", "", "Authorization", auth)
		if a.status != 403 || strings.Contains(a.body, "s3cret") {
			t.Errorf("Authorization %q: %d %s", auth, a.status, a.body)
		}
	}
	c := controlclient.New(url)
	c.Token = "s3cret-token"
	if h, err := c.Health(ctx(t)); err != nil || h.Status != "ok" || h.Interactions != 3 {
		t.Errorf("with the token: %+v %v", h, err)
	}
	if a := post(t, url+"/api/chat", "application/json", "{}"); a.status != 200 {
		t.Errorf("replayed traffic needs no token: %d", a.status)
	}
}

// On a listener that is not loopback the API is off without a token. The
// listener is simulated: the connection's local address is what decides.
func TestOffOnNonLoopbackWithoutToken(t *testing.T) {
	for _, tc := range []struct {
		token string
		want  int
	}{{"", 403}, {"tok", 200}} {
		ctl := control.New(control.Options{Token: tc.token})
		req := httptest.NewRequest("GET", "http://192.0.2.7:8080/__ssetape/health", nil)
		req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 8080}))
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		w := httptest.NewRecorder()
		ctl.ServeHTTP(w, req)
		if w.Code != tc.want {
			t.Errorf("token %q: %d %s, want %d", tc.token, w.Code, w.Body, tc.want)
		}
		if tc.want == 403 && !strings.Contains(w.Body.String(), "--control-token") {
			t.Errorf("the 403 does not say what to do: %s", w.Body)
		}
	}
}

// A web page cannot drive the API: a request with an Origin gets 403 and
// no CORS headers, unless --control-cors allows that origin.
func TestOrigin(t *testing.T) {
	s := start(t, max)
	a := do(t, "GET", s.URL+"/__ssetape/requests", "", "", "Origin", "http://evil.example")
	if a.status != 403 || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("with an Origin: %d %v", a.status, a.header)
	}
	ctl := control.New(control.Options{CORS: "http://localhost:5173"})
	ctl.Attach(s.Server)
	url := serve(t, ctl.Handler(s.Server))
	a = do(t, "GET", url+"/__ssetape/health", "", "", "Origin", "http://localhost:5173")
	if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("allowed origin: %d %v", a.status, a.header)
	}
	a = do(t, "OPTIONS", url+"/__ssetape/faults", "", "", "Origin", "http://localhost:5173", "Access-Control-Request-Method", "POST")
	if a.status != 204 || !strings.Contains(a.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", a.status, a.header)
	}
	if a := do(t, "GET", url+"/__ssetape/health", "", "", "Origin", "http://other.example"); a.status != 403 {
		t.Errorf("another origin: %d", a.status)
	}
}

// On loopback the Host must be a loopback name (DNS rebinding).
func TestHost(t *testing.T) {
	s := start(t, max)
	for host, want := range map[string]int{
		"localhost:1234": 200, "127.0.0.1": 200, "127.8.9.10:80": 200, "[::1]:99": 200, "app.localhost": 200,
		"evil.example": 403, "evil.example:1234": 403, "10.0.0.1": 403, "localhost.evil.example": 403,
	} {
		if a := do(t, "GET", s.URL+"/__ssetape/health", "", "", "Host", host); a.status != want {
			t.Errorf("Host %s: %d, want %d", host, a.status, want)
		}
	}
}

// Bodies must say they are JSON; wrong methods get 405 with Allow; unknown
// routes 404; every error is JSON.
func TestRequestShape(t *testing.T) {
	s := start(t, max)
	u := s.URL + "/__ssetape/"
	for _, tc := range []struct {
		method, path, ct, body string
		status                 int
		field                  string
	}{
		{"POST", "faults", "text/plain", `{"fault":"close"}`, 415, ""},
		{"POST", "faults", "", `{"fault":"close"}`, 415, ""},
		{"POST", "reset", "", ``, 200, ""},
		{"POST", "streams/release", "application/json", `{"state":"sleepy"}`, 400, "state"},
		{"POST", "streams/1/end", "application/json", `{"how":"gently"}`, 400, "how"},
		{"POST", "streams/1/release", "application/json", `{"speed":-1}`, 400, "speed"},
		{"POST", "streams/1/release", "application/json", `{"events":0}`, 400, "events"},
		{"POST", "streams/1/release", "application/json", `{"until":{"type":"a","data":"b"}}`, 400, "until"},
		{"POST", "streams/1/release", "application/json", `{"all":true,"events":2}`, 400, "until"},
		{"POST", "streams/1/release", "application/json", `{"all":true} {}`, 400, ""},
		{"POST", "streams/1/release", "application/json", `{"all":"yes"}`, 400, "all"},
		{"GET", "streams?state=odd", "", ``, 400, "state"},
		{"GET", "requests?since=x", "", ``, 400, "since"},
		{"DELETE", "health", "", ``, 405, ""},
		{"GET", "nothing", "", ``, 404, ""},
		{"GET", "streams/1", "", ``, 404, ""},
		{"POST", "reset", "application/json", `{"session":"` + strings.Repeat("s", 300) + `"}`, 400, "session"},
		{"POST", "faults", "application/json", `{"fault":"close","x":` + strings.Repeat(" ", 1<<20) + `1}`, 413, ""},
	} {
		a := do(t, tc.method, u+tc.path, tc.ct, tc.body)
		if a.status != tc.status || a.field != tc.field || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s %s: %d field %q (%s), want %d field %q", tc.method, tc.path, clip(tc.body), a.status, a.field, clip(a.body), tc.status, tc.field)
		}
		if tc.status == 405 && a.header.Get("Allow") != "GET" {
			t.Errorf("405 Allow %q", a.header.Get("Allow"))
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// A proxy that records attaches no replay side: health and the journal
// work, the routes about replay answer 404 saying why.
func TestNoReplaySide(t *testing.T) {
	ctl := control.New(control.Options{})
	url := serve(t, ctl.Handler(nil))
	if h, err := controlclient.New(url).Health(ctx(t)); err != nil || h.Interactions != 0 {
		t.Errorf("health: %+v %v", h, err)
	}
	if _, err := controlclient.New(url).Requests(ctx(t), controlclient.RequestFilter{}); err != nil {
		t.Errorf("journal: %v", err)
	}
	a := do(t, "GET", url+"/__ssetape/streams", "", "")
	if a.status != 404 || !strings.Contains(a.body, "replays nothing") {
		t.Errorf("streams: %d %s", a.status, a.body)
	}
	if a := do(t, "GET", url+"/other", "", ""); a.status != 404 {
		t.Errorf("a control-only listener served /other: %d", a.status)
	}
}
