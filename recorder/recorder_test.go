package recorder_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
)

// awkward writes a stream cut where parsers trip: inside a CRLF, inside a
// UTF-8 character, several events in one write; 20 ms between writes.
var awkward = []string{
	"event: thinking\r\ndata: {\"type\":\"thinking\",\"content\":\"処理中...\"}\r\n\r",
	"\nevent: text_delta\r\ndata: {\"type\":\"text_delta\",\"content\":\"結",
	"果\"}\r\n\r\nevent: text_delta\r\ndata: {\"type\":\"text_delta\",\"content\":\"a\"}\r\n\r\nevent: text_delta\r\ndata: {\"type\":\"text_delta\",\"content\":\"b\"}\r\n\r\n",
	": ping\r\n\r\n",
	"event: done\r\ndata: {\"type\":\"done\"}\r\n\r\n",
}

func upstream(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.Header().Set("Set-Cookie", "session=secret")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		for _, s := range awkward {
			time.Sleep(20 * time.Millisecond)
			io.WriteString(w, s)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// record requests url and records the response as a client would see it.
func record(t *testing.T, url string) (*cassette.Interaction, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/api/chat?key=sk-live-123&x=1&ssetape_session=s", strings.NewReader(`{"m":1}`))
	req.Header.Set("Authorization", "Bearer sk-live-123")
	req.Header.Set("Ssetape-Fault", "none")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	headersAt := time.Since(start)
	var client bytes.Buffer
	c := recorder.Tee(context.Background(), resp.Body, start, &client, nil, nil, recorder.KeepStream)
	it, err := recorder.Interaction(req, []byte(`{"m":1}`), resp, headersAt, c, recorder.DefaultRedaction)
	if err != nil {
		t.Fatal(err)
	}
	return it, client.Bytes()
}

func TestRecordReplayRecord(t *testing.T) {
	up := upstream(t)
	first, seen := record(t, up.URL)
	if string(seen) != strings.Join(awkward, "") {
		t.Fatalf("the client saw %q", seen)
	}
	w := first.Response.Wire
	if w == nil || len(w.Chunks) != len(awkward) || w.LineEnding.String() != "crlf" {
		t.Fatalf("wire %+v", w)
	}
	for i, c := range w.Chunks {
		if string(c.Data) != awkward[i] {
			t.Errorf("chunk %d = %q, want %q", i, c.Data, awkward[i])
		}
	}
	if first.Response.End.Reason != cassette.EOF {
		t.Errorf("end %+v", first.Response.End)
	}
	// Redaction and what is never recorded.
	if first.Request.Path != "/api/chat?key=REDACTED&x=1" || first.Request.Headers.Get("Authorization") != recorder.Redacted ||
		first.Request.Headers.Get("Ssetape-Fault") != "" || first.Response.Headers.Get("Set-Cookie") != recorder.Redacted {
		t.Errorf("request %+v, response headers %v", first.Request, first.Response.Headers)
	}
	saved, err := cassette.Marshal(&cassette.Cassette{Version: 1, Interactions: []*cassette.Interaction{first}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(saved, []byte("sk-live-123")) || bytes.Contains(saved, []byte("session=secret")) {
		t.Fatalf("a secret in the cassette:\n%s", saved)
	}
	loaded, err := cassette.Parse(saved, "recorded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Replay it, and record the replay: the same bytes, the same chunks,
	// offsets within 10 ms.
	_, replay := replayertest.Start(t, replayer.Options{}, loaded)
	second, seen2 := record(t, replay)
	if !bytes.Equal(seen2, seen) {
		t.Fatalf("replayed bytes differ:\n%q\n%q", seen2, seen)
	}
	w2 := second.Response.Wire
	if len(w2.Chunks) != len(w.Chunks) {
		t.Fatalf("replayed %d chunks, recorded %d", len(w2.Chunks), len(w.Chunks))
	}
	// Pacing: each chunk comes no earlier than its recorded offset (the
	// replayer waits for each chunk's due time, counted from when it got the
	// request, which is after this client sent it: so never early, but for
	// the 2 ms allowed for clock reads), and not much later. "Much" is
	// 250 ms: on a loaded 2-core machine under -race a chunk was seen 23 ms
	// late, and every chunk is due on its own clock, so lateness does not
	// add up; ten times that still catches a replay that ignores the pacing
	// (all at once is early, a stall is seconds late).
	for i := range w.Chunks {
		d := w2.Chunks[i].At - w.Chunks[i].At
		if !bytes.Equal(w2.Chunks[i].Data, w.Chunks[i].Data) || d < -2*time.Millisecond || d > 250*time.Millisecond {
			t.Errorf("chunk %d: %q at %v, recorded %q at %v", i, w2.Chunks[i].Data, w2.Chunks[i].At, w.Chunks[i].Data, w.Chunks[i].At)
		}
	}
}

func TestClientGoneIsRecorded(t *testing.T) {
	up := upstream(t)
	resp, err := http.Get(up.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	c := recorder.Tee(context.Background(), resp.Body, time.Now(), failingWriter{}, nil, nil, recorder.KeepStream)
	it, err := recorder.Interaction(resp.Request, nil, resp, 0, c, recorder.DefaultRedaction)
	if err != nil {
		t.Fatal(err)
	}
	if it.Response.End.Reason != cassette.ClientClosed || len(it.Response.Wire.Chunks) != 1 {
		t.Errorf("end %+v, %d chunks", it.Response.End, len(it.Response.Wire.Chunks))
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
