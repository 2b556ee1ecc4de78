package transport

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestEndingComesBeforeTheEnd: a stream sent to its end calls Ending before
// the write that ends it, so that a client that has read the end finds the
// server no longer listing the stream (the replayer's registry leaves it in
// Ending); End follows. Both ways a stream ends at its own time: with the
// end of the body in the last chunk's write, and in a write of its own.
func TestEndingComesBeforeTheEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra time.Duration // the end's due time after the last chunk's
	}{
		{"with the last chunk", 0},
		{"on its own", 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var endings atomic.Int32
			ended := make(chan error, 1)
			tr := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := planOf(2*time.Millisecond, "one", "two")
				p.EndDue += tc.extra
				st := &Stream{Plan: p, Start: time.Now(), Speed: 1,
					Hooks: hooks{ending: func() { endings.Add(1) }, end: func(err error) { ended <- err }}}
				tr.Send(w, r, st)
			}))
			defer tr.Close()
			defer ts.Close()
			for i := range 20 {
				resp, err := http.Get(ts.URL)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != "data: one\n\ndata: two\n\n" {
					t.Fatalf("stream %d: %q, %v", i+1, b, err)
				}
				if n := endings.Load(); n != int32(i+1) {
					t.Fatalf("stream %d read to its end with Ending called %d times", i+1, n)
				}
				if err := <-ended; err != nil {
					t.Fatalf("stream %d ended with %v", i+1, err)
				}
			}
		})
	}
}
