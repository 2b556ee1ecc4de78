package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// The server warns at start when the control API is off: a listener that
// is not loopback, with no token. (Only the warning is checked here: tests
// listen on loopback alone.)
func TestControlWarnsOffLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		warn        bool
	}{
		{"192.0.2.1:8080", "", true},
		{"[2001:db8::1]:8080", "", true},
		{"192.0.2.1:8080", "tok", false},
		{"127.0.0.1:8080", "", false},
		{"[::1]:8080", "", false},
	} {
		var out syncBuffer
		f := controlFlags{Token: tc.token}
		f.warnIfOff(tc.addr, slog.New(slog.NewTextHandler(&out, nil)))
		if got := strings.Contains(out.String(), "--control-token"); got != tc.warn {
			t.Errorf("%s token %q: warned %v (%q)", tc.addr, tc.token, got, out.String())
		}
		if strings.Contains(out.String(), "tok\"") {
			t.Errorf("the token was logged: %s", out.String())
		}
	}
}

// replay serves the control API on its own listener and, with
// --control-listen, on another; a token from the environment is needed by
// both and never printed.
func TestReplayControlFlags(t *testing.T) {
	t.Setenv(tokenEnv, "from-the-env-123")
	url, errOut, stop := startReplay(t, "--control-listen", "127.0.0.1:0", "--journal", "5")
	get := func(u, auth string) (int, string) {
		if auth == "" {
			return send(t, "GET", u, "")
		}
		return send(t, "GET", u, "", "Authorization", "Bearer "+auth)
	}
	if code, _ := get(url+"/__ssetape/health", ""); code != 403 {
		t.Errorf("without the token: %d", code)
	}
	code, body := get(url+"/__ssetape/health", "from-the-env-123")
	var h struct{ Interactions int }
	if code != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Interactions != 3 {
		t.Errorf("with the token: %d %s", code, body)
	}
	// The second listener's address is printed on stderr.
	line := errOut.String()
	i := strings.Index(line, "the control API is also on http://")
	if i < 0 {
		t.Fatalf("no control listener line: %s", line)
	}
	other := strings.Fields(line[i+len("the control API is also on "):])[0]
	other = strings.TrimSuffix(other, "/__ssetape/")
	if code, _ := get(other+"/__ssetape/health", "from-the-env-123"); code != 200 {
		t.Errorf("the control listener: %d", code)
	}
	if code, _ := get(other+"/api/chat", ""); code != 404 {
		t.Errorf("the control listener served replayed traffic: %d", code)
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Logf("stop: %v", err)
	}
	if strings.Contains(errOut.String(), "from-the-env-123") {
		t.Error("the token was printed")
	}
}

func TestReplayJournalFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"replay", "--listen", "127.0.0.1:0", "--journal", "-1"}, ioStreams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != exitUsage || !strings.Contains(errOut.String(), "--journal -1") {
		t.Errorf("--journal -1: exit %d, %q", code, errOut.String())
	}
}
