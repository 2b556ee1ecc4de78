package recorder_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/sse"
)

// startProxy serves a recording proxy to up; interactions arrive on the
// returned channel.
func startProxy(t *testing.T, up string, record bool) (*recorder.Proxy, string, chan *cassette.Interaction) {
	t.Helper()
	u, _ := url.Parse(up)
	got := make(chan *cassette.Interaction, 16)
	px := &recorder.Proxy{Upstream: u, Record: record, OnInteraction: func(it *cassette.Interaction) { got <- it }}
	ts := httptest.NewServer(px)
	t.Cleanup(ts.Close)
	return px, ts.URL, got
}

// A stream with a line over the decoder's limit is forwarded whole, and
// recorded up to the limit with end reason error: what arrived is not lost,
// and nothing past it is held.
func TestProxyRecordsUpToTheLineLimit(t *testing.T) {
	long := strings.Repeat("x", sse.DefaultMaxSize+10)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, "data: "+long+"\n\ndata: after\n\n")
	}))
	defer up.Close()
	_, px, got := startProxy(t, up.URL, true)
	resp, err := http.Get(px)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(string(body), "data: after\n\n") || len(body) < len(long) {
		t.Fatalf("the client got %d bytes, not the whole stream", len(body))
	}
	it := <-got
	end := it.Response.End
	if end.Reason != cassette.Failed || !strings.Contains(end.Error, "a line over 1 MiB") || !strings.Contains(end.Error, "recording stopped") {
		t.Errorf("end %+v", end)
	}
	if len(it.Response.Entries) == 0 || it.Response.Entries[0].Data != "one" {
		t.Errorf("what arrived before the limit was lost: %+v", it.Response.Entries)
	}
	var kept int
	for _, c := range it.Response.Wire.Chunks {
		kept += len(c.Data)
	}
	if kept > sse.DefaultMaxSize+64<<10 {
		t.Errorf("%d bytes recorded past the limit", kept)
	}
}

// In passthrough, nothing of the body is held.
func TestPassthroughHoldsNothing(t *testing.T) {
	c := recorder.Tee(context.Background(), strings.NewReader(strings.Repeat("data: x\n\n", 10000)), time.Now(), io.Discard, nil, nil, recorder.KeepNothing)
	if c.Stopped() != "" {
		t.Errorf("stopped: %s", c.Stopped())
	}
	it, err := recorder.Interaction(httptest.NewRequest("GET", "/", nil), nil, &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}}, 0, c, recorder.DefaultRedaction)
	if err != nil {
		t.Fatal(err)
	}
	if it.Response.Wire != nil && len(it.Response.Wire.Chunks) != 0 {
		t.Errorf("%d chunks held in passthrough", len(it.Response.Wire.Chunks))
	}
}

// An upstream that resets its connection reaches the client as a broken
// connection (no end of the body), as nginx passes it on; the cassette says
// reset.
func TestProxyPassesAResetOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		br := make([]byte, 4096)
		_, _ = c.Read(br)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nb\r\ndata: one\n\n\r\n")
		time.Sleep(50 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	_, px, got := startProxy(t, "http://"+ln.Addr().String(), true)
	resp, err := http.Get(px)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Errorf("the client saw a clean end after %q; want a broken connection", body)
	}
	if it := <-got; it.Response.End.Reason != cassette.Reset {
		t.Errorf("recorded end %+v", it.Response.End)
	}
}

// Interrupt (Ctrl-C) ends the streams in flight: each is recorded with
// what arrived and the end reason interrupted.
func TestProxyInterruptSavesStreamsInFlight(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a stream that never ends
	}))
	defer up.Close()
	px, url, got := startProxy(t, up.URL, true)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	d := sse.NewDecoder(resp.Body)
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	px.Interrupt()
	select {
	case it := <-got:
		if it.Response.End.Reason != cassette.Interrupted || len(it.Response.Entries) != 1 {
			t.Errorf("end %+v, %d entries", it.Response.End, len(it.Response.Entries))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupted stream was not recorded")
	}
}

// Credentials in every place the recording report found them reach no
// cassette: headers by name (X-Auth-Token, Anthropic-Api-Key, a custom
// X-...-Token, response headers), query parameters by name (auth_token,
// client_secret, password, presigned URL signatures), values with a
// credential's shape anywhere (an sk-proj- key the upstream echoes in an
// event's data, in the wire chunks too), and credential-named JSON fields.
// Harmless names (max_tokens, session_id) and bare hex (a trace id) stay.
func TestPlantedCredentialsNeverReachTheCassette(t *testing.T) {
	secrets := []string{"sk-proj-AAAAAAAAAAAAAAAAAAAAAAAA", "tok-auth-1234567890", "anthro-key-1234567890", "custom-token-value-123",
		"resp-token-abcdefghij", "qtok-12345", "refresh-67890", "idtok-abcde", "client-secret-xyz", "hunter2", "sessiontok-1",
		"sigsigsig", "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
		"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "AIzaSyA1234567890abcdefghijklmnopqrstuv", "json-password-value"}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Session-Token", "resp-token-abcdefghij")
		io.WriteString(w, `data: {"type":"echo","key":"sk-proj-AAAAAAAAAAAAAAAAAAAAAAAA","trace":"0123456789abcdef0123456789abcdef"}`+"\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(10 * time.Millisecond)
		io.WriteString(w, `data: {"api_key":"ghp_abcdefghijklmnopqrstuvwxyz0123456789","max_tokens":5}`+"\n\n")
	}))
	defer up.Close()
	_, px, got := startProxy(t, up.URL, true)
	q := "auth_token=qtok-12345&refresh_token=refresh-67890&id_token=idtok-abcde&client_secret=client-secret-xyz&password=hunter2&session_token=sessiontok-1&X-Amz-Signature=sigsigsig&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE&key=AIzaSyA1234567890abcdefghijklmnopqrstuv&session_id=s1&max_tokens=9"
	req, _ := http.NewRequest("POST", px+"/v1/chat?"+q, strings.NewReader(`{"model":"m","password":"json-password-value","max_tokens":5,"messages":[{"content":"token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"}]}`))
	req.Header.Set("X-Auth-Token", "tok-auth-1234567890")
	req.Header.Set("Anthropic-Api-Key", "anthro-key-1234567890")
	req.Header.Set("X-Custom-Token", "custom-token-value-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	saved, err := cassette.Marshal(&cassette.Cassette{Version: 1, Interactions: []*cassette.Interaction{<-got}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(saved, []byte(s)) {
			t.Errorf("%q reached the cassette:\n%s", s, saved)
		}
	}
	for _, keep := range []string{"max_tokens=9", "session_id=s1", `"max_tokens":5`, "0123456789abcdef0123456789abcdef"} {
		if !bytes.Contains(saved, []byte(keep)) {
			t.Errorf("%q was redacted, but it is harmless", keep)
		}
	}
	c, err := cassette.Parse(saved, "saved.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if found := cassette.FindSecrets(c); len(found) > 0 {
		var kinds []string
		for _, f := range found {
			if !strings.HasPrefix(f.Kind, "hex token") {
				kinds = append(kinds, f.Where+": "+f.Kind)
			}
		}
		if len(kinds) > 0 {
			t.Errorf("inspect --secrets still finds: %v", kinds)
		}
	}
}

// Streams through the proxy, the upstream side included, leave no
// goroutine behind, also when clients leave mid-stream.
func TestProxyLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 50; i++ {
			if _, err := io.WriteString(w, "data: x\n\n"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}))
	u, _ := url.Parse(up.URL)
	tr := &http.Transport{}
	px := &recorder.Proxy{Upstream: u, Record: true, Transport: tr, Observer: nopObserver{}}
	ts := httptest.NewServer(px)
	client := &http.Client{Transport: &http.Transport{}}
	var wg sync.WaitGroup
	for i := range 16 { // concurrent requests: also the -race test of the save path
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL, nil)
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			if i%2 == 0 {
				resp.Body.Read(make([]byte, 10)) // leave early
			} else {
				io.Copy(io.Discard, resp.Body)
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	client.CloseIdleConnections()
	ts.Close()
	tr.CloseIdleConnections()
	up.Close()
}

type nopObserver struct{}

func (nopObserver) Event(*observe.Stream, int, sse.Event) {}
func (nopObserver) End(*observe.Stream, error)            {}
