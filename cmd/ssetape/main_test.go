package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ssetape": func() {
			os.Exit(runIn(os.Args[1:], processEnv()))
		},
	})
}

// TestScripts runs the CLI scenarios in testdata/script: each reads like a
// user's session (exec, exit status, what is printed).
func TestScripts(t *testing.T) {
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", repo)
			e.Setenv("NO_COLOR", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"waitready": waitReady},
	})
}

func TestExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"version"}, exitOK},
		{[]string{"--bogus"}, exitUsage},
		{[]string{"inspect", "--format", "xml"}, exitUsage},
		{[]string{"inspect", "a", "b"}, exitUsage},
		{[]string{"nosuchcommand"}, exitUsage},
		{[]string{"version", "extra"}, exitUsage},
		{[]string{"inspect", "/no/such/file.yaml"}, exitUsage},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if got := run(c.args, ioStreams{In: strings.NewReader(""), Out: &out, Err: &errOut}); got != c.code {
			t.Errorf("ssetape %v: exit %d, want %d (stderr %q)", c.args, got, c.code, errOut.String())
		}
		if c.code != exitOK && !strings.HasPrefix(errOut.String(), "ssetape: ") {
			t.Errorf("ssetape %v: stderr %q does not start with ssetape:", c.args, errOut.String())
		}
	}
}

func TestInspectColor(t *testing.T) {
	var out bytes.Buffer
	o := &inspectOptions{env: &env{ioStreams: ioStreams{Out: &out, Err: &out}}, Format: "text", Color: true, Excerpt: 60}
	if err := inspectRun(o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "\x1b[") {
		t.Error("no color codes with Color on")
	}
	out.Reset()
	o.Color = false
	if err := inspectRun(o); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b[") {
		t.Error("color codes with Color off")
	}
}

func TestExcerpt(t *testing.T) {
	p := newPrinter(&inspectOptions{Excerpt: 5})
	if got := p.excerpt("a\nb\tc\x00defg"); got != "a⏎b c…" {
		t.Errorf("excerpt = %q", got)
	}
	if displayWidth("日本a") != 5 {
		t.Errorf("displayWidth = %d", displayWidth("日本a"))
	}
}

// FuzzInspect feeds arbitrary standard input to inspect in both formats:
// it must never panic, and any error must carry an exit status of 2.
func FuzzInspect(f *testing.F) {
	f.Add([]byte("event: a\ndata: x\n\n: c\n\nretry: 5\n\nid: 1\n\ndata: cut"))
	f.Add([]byte("version: 1\ninteractions:\n  - request: {path: /}\n    response: {entries: [{at: 1s, data: x}]}\n"))
	f.Add([]byte("version: 1\ninteractions:\n  - request: {path: /}\n    response: {body: x}\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, format := range []string{"text", "json"} {
			var out bytes.Buffer
			o := &inspectOptions{env: &env{ioStreams: ioStreams{In: bytes.NewReader(in), Out: &out, Err: &out}}, Target: "-", Format: format, Excerpt: 20}
			if err := inspectRun(o); err != nil && exitCode(err) != exitUsage {
				t.Fatalf("error with exit %d: %v", exitCode(err), err)
			}
		}
	})
}

// waitReady is the testscript command "waitready FILE VAR": it waits (up to
// 10 s) until a server started in the background with --ready-json has
// written its ready line to FILE, and sets VAR to its URL.
func waitReady(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitready FILE VAR")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(ts.MkAbs(args[0]))
		var ready struct {
			Ready bool
			URL   string
		}
		if line, _, ok := strings.Cut(string(b), "\n"); ok && json.Unmarshal([]byte(line), &ready) == nil && ready.Ready {
			ts.Setenv(args[1], ready.URL)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s: no ready line within 10 s", args[0])
}
