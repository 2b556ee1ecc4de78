package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ssetapeProcess runs the CLI as a process of its own (this test binary,
// named ssetape: testscript.Main runs main then) with --ready-json, and
// returns it once it serves, with its URL.
func ssetapeProcess(t *testing.T, stdin io.Reader, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Args = append([]string{"ssetape"}, args...)
	cmd.Args = append(cmd.Args, "--listen", "127.0.0.1:0", "--ready-json", "--quiet")
	var errOut syncBuffer
	cmd.Stderr = &errOut
	cmd.Stdin = stdin
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	var ready struct {
		Ready bool
		URL   string
	}
	if err != nil || json.Unmarshal([]byte(line), &ready) != nil || !ready.Ready {
		t.Fatalf("no ready line (%v): %q\n%s", err, line, errOut.String())
	}
	return cmd, ready.URL, &errOut
}

// exitOf waits for a process and returns its exit status.
func exitOf(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatal("the process did not exit")
	}
	return -1
}

// Gating a replay in CI: with --fail-on-violation, a stop (SIGINT or
// SIGTERM) exits 1 when a stream broke the contract; without it SIGTERM
// exits 0 and SIGINT 130.
func TestReplayStopExitStatus(t *testing.T) {
	fixture, _ := filepath.Abs(filepath.Join("..", "..", "fixtures", "agent.yaml"))
	cases := []struct {
		args  []string
		fault string
		sig   syscall.Signal
		want  int
	}{
		{nil, "omit-last", syscall.SIGTERM, 0},
		{nil, "omit-last", syscall.SIGINT, 130},
		{[]string{"--contract", "agent", "--fail-on-violation"}, "omit-last", syscall.SIGTERM, 1},
		{[]string{"--contract", "agent", "--fail-on-violation"}, "omit-last", syscall.SIGINT, 1},
		{[]string{"--contract", "agent", "--fail-on-violation"}, "none", syscall.SIGTERM, 0},
		{[]string{"--contract", "agent"}, "omit-last", syscall.SIGTERM, 0},
	}
	for _, c := range cases {
		args := append([]string{"replay", "--speed", "max", fixture}, c.args...)
		cmd, url, errOut := ssetapeProcess(t, nil, args...)
		req, _ := http.NewRequest("POST", url+"/api/chat/en", strings.NewReader("{}"))
		req.Header.Set("Ssetape-Fault", c.fault)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		time.Sleep(50 * time.Millisecond) // the stream's end reaches the monitor
		_ = cmd.Process.Signal(c.sig)
		if got := exitOf(t, cmd); got != c.want {
			t.Errorf("%v with %s, %v: exit %d, want %d\n%s", c.args, c.fault, c.sig, got, c.want, errOut.String())
		}
	}
}

// --exit-with-stdin: the server ends (cleanly, exit 0) when its stdin
// does, so that it never outlives the process that started it.
func TestReplayExitsWithStdin(t *testing.T) {
	pr, pw := io.Pipe()
	cmd, url, _ := ssetapeProcess(t, pr, "replay", "--exit-with-stdin")
	if resp, err := http.Get(url + "/__ssetape/health"); err == nil {
		resp.Body.Close()
	}
	pw.Close()
	if got := exitOf(t, cmd); got != 0 {
		t.Errorf("exit %d after stdin ended, want 0", got)
	}
}
