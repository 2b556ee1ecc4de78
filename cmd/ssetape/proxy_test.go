package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// startProxy runs `ssetape proxy` in-process on a free loopback port.
func startProxy(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	return startServer(t, "proxy", func(e *env) *cobra.Command { return newProxyCmd(e, nil) }, args...)
}

func post(t *testing.T, url, body string, header ...string) (int, string) {
	t.Helper()
	return send(t, "POST", url, body, header...)
}

// send makes one request with the header's name, value pairs and returns
// the status and the body.
func send(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func countEvents(body string) int {
	d := sse.NewDecoder(strings.NewReader(body))
	n := 0
	for {
		if _, err := d.Next(); err != nil {
			return n
		}
		n++
	}
}

func TestProxyRecordsAndReplays(t *testing.T) {
	upstream, _, _ := startReplay(t, "--speed", "4")
	dir := t.TempDir()
	out := filepath.Join(dir, "session.yaml")
	px, log, stop := startProxy(t, "--upstream", upstream, "-o", out)
	// Ssetape-* headers are never forwarded: the fault does not reach the upstream.
	status, body := post(t, px+"/api/chat", `{"message":"hi"}`, "Authorization", "Bearer sk-secret-2", "Ssetape-Fault", "close:after=5")
	if status != 200 || countEvents(body) != 9 {
		t.Fatalf("through the proxy: %d, %d events", status, countEvents(body))
	}
	status, body = post(t, px+"/api/chat/en", `{}`)
	if status != 200 || countEvents(body) != 8 {
		t.Fatalf("second: %d, %d events", status, countEvents(body))
	}
	_ = stop()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("sk-secret")) || bytes.Contains(data, []byte("Ssetape-Fault")) {
		t.Fatalf("a secret or an ssetape header in the cassette:\n%s", data)
	}
	c, err := cassette.Parse(data, out)
	if err != nil || len(c.Interactions) != 2 {
		t.Fatalf("%v, %d interactions\n%s", err, len(c.Interactions), log.String())
	}
	first := c.Interactions[0]
	if first.Request.Headers.Get("Authorization") != "REDACTED" || len(first.Response.Entries) != 10 || first.Response.Wire == nil {
		t.Errorf("first: %+v, %d entries", first.Request, len(first.Response.Entries))
	}

	// replay-or-record: what the cassette holds is answered from it (even
	// with the upstream gone), the rest is recorded.
	px2, log2, stop2 := startProxy(t, "--upstream", "http://127.0.0.1:1", "-o", out, "--mode", "replay-or-record")
	status, body = post(t, px2+"/api/chat/en", `{}`)
	if status != 200 || countEvents(body) != 8 {
		t.Errorf("replayed: %d, %d events", status, countEvents(body))
	}
	status, body = post(t, px2+"/api/other", `{}`)
	if status != http.StatusBadGateway || !strings.Contains(body, "did not answer POST /api/other") {
		t.Errorf("an upstream that fails: %d %q", status, body)
	}
	_ = stop2()
	if !strings.Contains(log2.String(), "upstream failed") {
		t.Errorf("log:\n%s", log2.String())
	}
}

func TestProxyDirAndPassthrough(t *testing.T) {
	upstream, _, _ := startReplay(t, "--speed", "max")
	dir := filepath.Join(t.TempDir(), "rec") + "/"
	px, _, stop := startProxy(t, "--upstream", upstream, "-o", dir)
	post(t, px+"/api/chat", `{}`)
	post(t, px+"/api/chat/error", `{}`)
	_ = stop()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 2 || !strings.HasSuffix(files[0], "001-post-api-chat.yaml") {
		t.Errorf("files %v", files)
	}
	px2, _, _ := startProxy(t, "--upstream", upstream, "--mode", "passthrough")
	if status, body := post(t, px2+"/api/chat/en", `{}`); status != 200 || countEvents(body) != 8 {
		t.Errorf("passthrough: %d, %d events", status, countEvents(body))
	}
}

func TestProxyContract(t *testing.T) {
	upstream, _, _ := startReplay(t, "--speed", "max", "--fault", "omit-last")
	px, log, stop := startProxy(t, "--upstream", upstream, "--mode", "passthrough", "--contract", "agent")
	post(t, px+"/api/chat/en", `{}`)
	_ = stop()
	if l := log.String(); !strings.Contains(l, "msg=contract") || !strings.Contains(l, "rule=AGT-1") || !strings.Contains(l, "1 of 1 stream broke the agent contract") {
		t.Errorf("log:\n%s", l)
	}
}

// Sixteen requests at once through a proxy that saves to one file: every
// interaction is saved (the save path is safe under -race) and the file
// loads with all of them.
func TestProxyConcurrentSaves(t *testing.T) {
	upstream, _, _ := startReplay(t, "--speed", "max")
	out := filepath.Join(t.TempDir(), "many.yaml")
	px, log, stop := startProxy(t, "--upstream", upstream, "-o", out)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(t, px+"/api/chat/en", `{}`)
		}()
	}
	wg.Wait()
	_ = stop()
	c, err := cassette.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Interactions) != 16 || strings.Contains(log.String(), "not saved") {
		t.Errorf("%d interactions saved\n%s", len(c.Interactions), log.String())
	}
}
