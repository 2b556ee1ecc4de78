package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// record of a stream with a line over the limit saves what arrived, with
// end reason error, and exits with 3 and the message.
func TestRecordSavesWhatArrivedPastALimit(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, "data: "+strings.Repeat("x", sse.DefaultMaxSize+1)+"\n\n")
	}))
	defer up.Close()
	out := filepath.Join(t.TempDir(), "big.yaml")
	var stdout, stderr bytes.Buffer
	code := run([]string{"record", "-o", out, up.URL}, ioStreams{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	if code != exitRuntime || !strings.Contains(stderr.String(), "a line over 1 MiB") || !strings.Contains(stderr.String(), "what arrived was saved") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	c, err := cassette.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Interactions[0].Response
	if r.End.Reason != cassette.Failed || len(r.Entries) == 0 || r.Entries[0].Data != "one" {
		t.Errorf("saved end %+v, entries %d", r.End, len(r.Entries))
	}
}

// A path too long for a file name still saves, under a short, unique name;
// a save that fails is logged as an error, not as recorded.
func TestProxyFileNames(t *testing.T) {
	upstream, _, _ := startReplay(t, "--speed", "max")
	dir := filepath.Join(t.TempDir(), "rec") + "/"
	px, log, stop := startProxy(t, "--upstream", upstream, "-o", dir)
	long := "/api/" + strings.Repeat("very-long-segment/", 40)
	post(t, px+long, `{}`)
	post(t, px+long, `{}`)
	_ = stop()
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != 2 || files[0] == files[1] {
		t.Fatalf("files %v\n%s", files, log.String())
	}
	for _, f := range files {
		if n := len(filepath.Base(f)); n > 120 {
			t.Errorf("a %d-byte file name", n)
		}
	}
	// A save that fails: the directory is gone.
	dir2 := filepath.Join(t.TempDir(), "gone") + "/"
	px2, log2, stop2 := startProxy(t, "--upstream", upstream, "-o", dir2)
	if err := os.RemoveAll(dir2); err != nil {
		t.Fatal(err)
	}
	post(t, px2+"/api/chat/en", `{}`)
	_ = stop2()
	if l := log2.String(); !strings.Contains(l, "level=ERROR msg=\"the interaction was not saved\"") {
		t.Errorf("a failed save is not logged as an error:\n%s", l)
	}
}

// Ctrl-C saves every stream in flight with reason interrupted before the
// proxy exits.
func TestProxyCtrlCSavesStreamsInFlight(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer up.Close()
	out := filepath.Join(t.TempDir(), "s.yaml")
	px, _, stop := startProxy(t, "--upstream", up.URL, "-o", out)
	resp, err := http.Get(px + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := sse.NewDecoder(resp.Body).Next(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := stop(); exitCode(err) != exitInterrupted {
		t.Errorf("stop: %v", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("the stop waited %v for the stream", took)
	}
	c, err := cassette.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Interactions[0].Response; r.End.Reason != cassette.Interrupted || len(r.Entries) != 1 {
		t.Errorf("saved %+v", r.End)
	}
}

// The servers the commands start leave no goroutine once stopped.
func TestCommandServersLeaveNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	func() {
		url, _, stop := startReplay(t, "--speed", "max")
		px, _, stopProxy := startProxy(t, "--upstream", url, "--mode", "passthrough")
		tr := &http.Transport{}
		client := &http.Client{Transport: tr}
		for _, u := range []string{url, px} {
			resp, err := client.Post(u+"/api/chat/en", "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		tr.CloseIdleConnections()
		_ = stopProxy()
		_ = stop()
	}()
}
