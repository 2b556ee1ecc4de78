package transport

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/sse"
)

// logBuffer collects log lines, safe for the transport's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// planOf is a stream plan of LF events, one chunk each, gap apart.
func planOf(gap time.Duration, data ...string) *fault.Plan {
	p := &fault.Plan{Status: 200, Stream: true, Header: http.Header{"Content-Type": {"text/event-stream"}}}
	for i, d := range data {
		p.Chunks = append(p.Chunks, fault.Chunk{Due: time.Duration(i) * gap, Data: []byte("data: " + d + "\n\n")})
	}
	if n := len(p.Chunks); n > 0 {
		p.EndDue = p.Chunks[n-1].Due
	}
	fault.ChunkEvents(p.Chunks)
	return p
}

// served is a transport behind an httptest server that answers every
// request with a copy of plan; streams holds the streams sent, in order.
type served struct {
	t       *Transport
	ts      *httptest.Server
	mu      sync.Mutex
	streams []*Stream
	ended   chan error
}

func serve(t *testing.T, log *slog.Logger, plan func() *fault.Plan) *served {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &served{t: New(log), ended: make(chan error, 100)}
	s.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &Stream{Plan: plan(), Start: time.Now(), Speed: 1,
			Event: func(int, sse.Event) {},
			Hooks: hooks{end: func(err error) { s.ended <- err }}}
		s.mu.Lock()
		s.streams = append(s.streams, st)
		s.mu.Unlock()
		s.t.Send(w, r, st)
	}))
	t.Cleanup(s.ts.Close)
	t.Cleanup(s.t.Close)
	return s
}

// firstLine opens a stream at url and reads its first line, which must be
// "data: one\n"; the rest is the caller's to read.
func firstLine(t *testing.T, url string) *bufio.Reader {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "data: one\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	return br
}

// schedulers is the transport's schedulers as they are now.
func (s *served) schedulers() []*scheduler {
	s.t.schedMu.Lock()
	defer s.t.schedMu.Unlock()
	return s.t.scheds
}

// readToEnd reads one response off br, to the end of its chunked body.
func readToEnd(t *testing.T, br *bufio.Reader, request int) string {
	t.Helper()
	var got strings.Builder
	for !strings.HasSuffix(got.String(), "\r\n0\r\n\r\n") {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("request %d: %v after %q", request, err, got.String())
		}
		got.WriteString(line)
	}
	return got.String()
}

// hooks is a Stream's Hooks from funcs, each optional.
type hooks struct {
	held, ending func()
	end          func(err error)
}

func (h hooks) Held() {
	if h.held != nil {
		h.held()
	}
}

func (h hooks) Ending() {
	if h.ending != nil {
		h.ending()
	}
}

func (h hooks) End(err error, _, _ int) {
	if h.end != nil {
		h.end(err)
	}
}
