package replayer

import (
	"bufio"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A server whose schedulers fall behind their schedule says so in the log,
// once per behindEvery: here their heaps are held for 150 ms while a chunk
// is due.
func TestBehindScheduleWarning(t *testing.T) {
	var logs LogBuffer
	srv, ts := serveYAML(t, "b.yaml", `version: 1
interactions:
  - request: {path: /s}
    response: {entries: [{at: 0s, data: one}, {at: 20ms, data: two}, {at: 40ms, data: three}]}
`, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})

	// stream reads one stream, keeping the schedulers from writing for 150 ms
	// after its first chunk.
	stream := func() {
		t.Helper()
		resp, err := http.Get(ts.URL + "/s")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		if line, err := br.ReadString('\n'); err != nil || line != "data: one\n" {
			t.Fatalf("first line %q, %v", line, err)
		}
		for _, sc := range srv.schedulers() {
			sc.mu.Lock()
		}
		time.Sleep(150 * time.Millisecond)
		for _, sc := range srv.schedulers() {
			sc.mu.Unlock()
		}
		rest, err := readRest(br)
		if err != nil || !strings.Contains(rest, "data: three") {
			t.Fatalf("rest of the stream %q, %v", rest, err)
		}
	}

	stream()
	got := logs.String()
	if n := strings.Count(got, "behind its schedule"); n != 1 {
		t.Fatalf("%d warnings after a 150 ms hold, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "streams=1") || !strings.Contains(got, "late=") {
		t.Errorf("the warning lacks how late and how many streams:\n%s", got)
	}
	// Within behindEvery, a second fall behind is not warned about again.
	stream()
	if n := strings.Count(logs.String(), "behind its schedule"); n != 1 {
		t.Errorf("%d warnings after a second hold within %v, want still 1", n, behindEvery)
	}
}

// readRest reads br to its end.
func readRest(br *bufio.Reader) (string, error) {
	var b strings.Builder
	_, err := br.WriteTo(&b)
	return b.String(), err
}
