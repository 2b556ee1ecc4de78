package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/sse"
)

// syncBuffer is a bytes.Buffer safe for the server's log goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startReplay runs `ssetape replay` in-process on a free loopback port.
func startReplay(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	return startServer(t, "replay", func(e *env) *cobra.Command { return newReplayCmd(e, nil) }, args...)
}

// startServer runs a serving command (replay, proxy) in-process on a free
// loopback port: it returns the base URL, the command's stderr, and a stop
// function (also run at cleanup) that returns the command's result.
func startServer(t *testing.T, name string, newCmd func(e *env) *cobra.Command, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	var errOut syncBuffer
	stop := make(chan struct{})
	ready := make(chan string, 1)
	done := make(chan error, 1)
	cmd := newCmd(&env{ioStreams: ioStreams{In: strings.NewReader(""), Out: io.Discard, Err: &errOut},
		ready: func(addr string) { ready <- addr }, stop: stop})
	cmd.SetArgs(append([]string{"--listen", "127.0.0.1:0"}, args...))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	go func() { done <- cmd.Execute() }()
	select {
	case addr := <-ready:
		var once sync.Once
		var err error
		stopFn := func() error {
			once.Do(func() { close(stop); err = <-done })
			return err
		}
		t.Cleanup(func() { _ = stopFn() })
		return "http://" + addr, &errOut, stopFn
	case err := <-done:
		t.Fatalf("%s did not start: %v\n%s", name, err, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start", name)
	}
	return "", nil, nil
}

func TestReplayBuiltinSample(t *testing.T) {
	url, log, stop := startReplay(t, "--speed", "max")
	resp, err := http.Post(url+"/api/chat", "application/json", strings.NewReader(`{"message":"anything"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	d := sse.NewDecoder(resp.Body)
	var types []string
	for {
		e, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, e.Type)
	}
	if len(types) != 9 || types[0] != "thinking" || types[8] != "done" {
		t.Errorf("types %v", types)
	}
	err = stop()
	if exitCode(err) != exitInterrupted {
		t.Errorf("stop: %v (exit %d), want 130", err, exitCode(err))
	}
	out := log.String()
	for _, want := range []string{"serving 3 interactions from builtin:agent.yaml", "try: curl -N -X POST",
		`msg=request`, `path=/api/chat`, `interaction=builtin:agent.yaml#1`, "outcome=sent", "events=9", "stopping",
		"writes, late against their schedule by p50"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestReplayPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var errOut bytes.Buffer
	code := run([]string{"replay", "--listen", ln.Addr().String()}, ioStreams{In: strings.NewReader(""), Out: io.Discard, Err: &errOut})
	if code != exitRuntime || !strings.Contains(errOut.String(), "is in use") {
		t.Errorf("exit %d, stderr %q; want 3 and 'is in use'", code, errOut.String())
	}
}

func TestReplayWithFaultFlag(t *testing.T) {
	url, log, _ := startReplay(t, "--speed", "max", "--seed", "42", "--fault", "close:after=2", "--fault", "chunk:size=7")
	resp, err := http.Post(url+"/api/chat/en", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	d := sse.NewDecoder(resp.Body)
	n := 0
	for {
		if _, err := d.Next(); err != nil {
			break
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d events, want 2", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(log.String(), "outcome=sent") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if l := log.String(); !strings.Contains(l, `faults="close:after=2;chunk:size=7" seed=42`) {
		t.Errorf("the log line does not name the faults and the seed:\n%s", l)
	}
}

func TestReplayContractChecksLive(t *testing.T) {
	url, log, stop := startReplay(t, "--speed", "max", "--contract", "agent")
	for _, fault := range []string{"none", "omit-last"} {
		post(t, url+"/api/chat/en", `{}`, "Ssetape-Fault", fault)
	}
	_ = stop()
	l := log.String()
	if strings.Count(l, "msg=contract") != 1 || !strings.Contains(l, "rule=AGT-1 severity=error event=7 type=final_answer") ||
		!strings.Contains(l, "1 of 2 streams broke the agent contract") {
		t.Errorf("live contract log:\n%s", l)
	}
}

func TestReplayContractAutoPicksPerStream(t *testing.T) {
	url, log, stop := startReplay(t, "--speed", "max", "--contract", "auto",
		filepath.Join("..", "..", "fixtures", "openai-chat.yaml"), filepath.Join("..", "..", "fixtures", "agent.yaml"))
	for _, rq := range []struct{ path, body, fault string }{
		{"/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true}`, "none"},
		{"/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true}`, "close:after=3"},
		{"/api/chat/en", `{}`, "omit-last"},
	} {
		post(t, url+rq.path, rq.body, "Ssetape-Fault", rq.fault)
	}
	_ = stop()
	l := log.String()
	for _, want := range []string{
		"contract=openai-chat auto=true rule=OAI-CC-1 severity=error",
		"contract=agent auto=true rule=AGT-1 severity=error event=7 type=final_answer",
		"2 of 3 streams broke their contract (chosen by auto)",
	} {
		if !strings.Contains(l, want) {
			t.Errorf("the log lacks %q:\n%s", want, l)
		}
	}
}

func TestAssertLiveURL(t *testing.T) {
	url, _, _ := startReplay(t, "--speed", "max")
	var out, errOut bytes.Buffer
	s := ioStreams{In: strings.NewReader(""), Out: &out, Err: &errOut}
	if code := run([]string{"assert", "-X", "POST", "-d", `{"m":1}`, url + "/api/chat/en"}, s); code != 0 {
		t.Errorf("a valid live stream: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	code := run([]string{"assert", "--fail-fast", "-d", "{}", "-H", "Ssetape-Fault: inject:after=1,type=done", url + "/api/chat/en"}, s)
	if code != exitCheckFailed || !strings.Contains(out.String(), "AGT-1 error event 3") || !strings.Contains(out.String(), "· agent (chosen by auto) · 3 events ·") {
		t.Errorf("fail-fast: exit %d\n%s", code, out.String())
	}
	if code := run([]string{"assert", url + "/nowhere"}, s); code != exitRuntime {
		t.Errorf("a 404: exit %d, want 3", code)
	}
}
