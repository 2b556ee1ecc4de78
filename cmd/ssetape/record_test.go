package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/cassette"
)

func TestRecordFromReplay(t *testing.T) {
	url, _, _ := startReplay(t, "--speed", "4")
	dir := t.TempDir()
	out := filepath.Join(dir, "chat.yaml")
	var stdout, stderr bytes.Buffer
	s := ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr}
	args := []string{"record", "-d", `{"message":"hi"}`, "-H", "Authorization: Bearer sk-live-abcdef", "-o", out, url + "/api/chat"}
	if code := run(args, s); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	live := stdout.String()
	if !strings.Contains(live, "POST "+url+"/api/chat → 200 OK") || !strings.Contains(live, "   9 ") || !strings.Contains(live, "9 events after") {
		t.Errorf("live view:\n%s", live)
	}
	data, _ := os.ReadFile(out)
	if bytes.Contains(data, []byte("sk-live-abcdef")) {
		t.Fatalf("the credential is in the cassette:\n%s", data)
	}
	c, err := cassette.Parse(data, out)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Interactions[0].Response
	if r.Wire == nil || len(r.Entries) != 10 || r.End.Reason != cassette.EOF || c.Interactions[0].Request.Headers.Get("Authorization") != "REDACTED" {
		t.Errorf("recorded %+v", r)
	}
	// An existing file needs --force or --append.
	stderr.Reset()
	if code := run(args, s); code != exitUsage || !strings.Contains(stderr.String(), "exists; pass --force") {
		t.Errorf("existing file: exit %d, %s", code, stderr.String())
	}
	if code := run(append([]string{"record", "--append"}, args[1:]...), s); code != 0 {
		t.Fatalf("--append: exit %d", code)
	}
	c, _ = cassette.Load(out)
	if len(c.Interactions) != 2 {
		t.Errorf("after --append: %d interactions", len(c.Interactions))
	}
	// Without -o the cassette goes to stdout, the live view to stderr.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"record", "-d", "{}", url + "/api/chat/en"}, s); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "version: 1") || !strings.Contains(stderr.String(), "8 events after") {
		t.Errorf("stdout %q\nstderr %q", stdout.String()[:min(80, len(stdout.String()))], stderr.String())
	}
}

func TestRecordUnreachable(t *testing.T) {
	var out bytes.Buffer
	code := run([]string{"record", "http://127.0.0.1:1/x"}, ioStreams{In: strings.NewReader(""), Out: io.Discard, Err: &out})
	if code != exitRuntime || !strings.Contains(out.String(), "connection refused") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

func TestRecordIdleTimeout(t *testing.T) {
	url, _, _ := startReplay(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"record", "--idle-timeout", "300ms", "-H", "Ssetape-Fault: stall:after=1", "-d", "{}", url + "/api/chat/en"},
		ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	c, err := cassette.Parse(stdout.Bytes(), "out")
	if err != nil {
		t.Fatal(err)
	}
	e := c.Interactions[0].Response.End
	if e.Reason != cassette.Timeout || len(c.Interactions[0].Response.Entries) != 1 {
		t.Errorf("end %+v, %d entries", e, len(c.Interactions[0].Response.Entries))
	}
}

func TestRecordRedactJSON(t *testing.T) {
	url, _, _ := startReplay(t, "--speed", "max")
	var stdout, stderr bytes.Buffer
	code := run([]string{"record", "--redact-json", "$.content", "--redact-json", "$.message", "-d", `{"message":"my secret question"}`, url + "/api/chat/en"},
		ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, "my secret question") || strings.Contains(out, "Reading the report") || !strings.Contains(out, "redacted: true") {
		t.Errorf("cassette:\n%s", out)
	}
	if code := run([]string{"record", "--redact-json", "content", url + "/api/chat/en"}, ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr}); code != exitUsage {
		t.Errorf("a bad path: exit %d", code)
	}
}

// Every way a recorded stream can end, as the cassette says it.
func TestRecordEnds(t *testing.T) {
	url, _, _ := startReplay(t)
	cases := []struct {
		args   []string
		reason cassette.Reason
		code   int
	}{
		{[]string{"-d", "{}", url + "/api/chat/en"}, cassette.EOF, 0},
		{[]string{"-H", "Ssetape-Fault: reset:after=2", "-d", "{}", url + "/api/chat/en"}, cassette.Reset, 0},
		{[]string{"--max-time", "300ms", "-d", "{}", url + "/api/chat/en"}, cassette.Timeout, 0},
		{[]string{"--idle-timeout", "200ms", "-H", "Ssetape-Fault: stall:after=1", "-d", "{}", url + "/api/chat/en"}, cassette.Timeout, 0},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"record"}, c.args...), ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
		if code != c.code {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr.String())
			continue
		}
		cs, err := cassette.Parse(stdout.Bytes(), "out")
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if got := cs.Interactions[0].Response.End.Reason; got != c.reason {
			t.Errorf("%v: ended %s, want %s", c.args, got, c.reason)
		}
	}
}

// Ctrl-C stops the recording, saves what arrived, and exits with 130.
func TestRecordInterrupted(t *testing.T) {
	url, _, _ := startReplay(t)
	out := filepath.Join(t.TempDir(), "cut.yaml")
	stop := make(chan struct{})
	var stderr bytes.Buffer
	cmd := newRecordCmd(&env{ioStreams: ioStreams{In: strings.NewReader(""), Out: &stderr, Err: &stderr}, stop: stop}, nil)
	cmd.SetArgs([]string{"-H", "Ssetape-Fault: stall:after=2", "-d", "{}", "-o", out, url + "/api/chat/en"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	done := make(chan error, 1)
	go func() { done <- cmd.Execute() }()
	time.Sleep(700 * time.Millisecond)
	close(stop)
	err := <-done
	if exitCode(err) != exitInterrupted {
		t.Fatalf("exit %d (%v)", exitCode(err), err)
	}
	c, lerr := cassette.Load(out)
	if lerr != nil {
		t.Fatal(lerr)
	}
	r := c.Interactions[0].Response
	if r.End.Reason != cassette.Interrupted || len(r.Entries) != 2 {
		t.Errorf("end %+v, %d entries", r.End, len(r.Entries))
	}
}
