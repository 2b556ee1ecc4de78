package transport

import (
	"bufio"

	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
)

// A server whose schedulers fall behind their schedule says so in the log,
// once per behindEvery: here their wheels are held for 150 ms while a chunk
// is due.
func TestBehindScheduleWarning(t *testing.T) {
	var logs logBuffer
	srv := serve(t, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		func() *fault.Plan { return planOf(20*time.Millisecond, "one", "two", "three") })
	ts := srv.ts

	// stream reads one stream, keeping the schedulers from writing for 150 ms
	// after its first chunk.
	stream := func() {
		t.Helper()
		br := firstLine(t, ts.URL+"/s")
		scheds := srv.schedulers()
		for _, sc := range scheds {
			sc.mu.Lock()
		}
		time.Sleep(150 * time.Millisecond)
		for _, sc := range scheds {
			sc.mu.Unlock()
		}
		rest, err := readRest(br)
		if err != nil || !strings.Contains(rest, "data: three") {
			t.Fatalf("rest of the stream %q, %v", rest, err)
		}
	}

	stream()
	got := logs.String()
	// One stream: the server had little to do, so the warning says the
	// process was kept from the CPU, not that it serves too many streams.
	if n := strings.Count(got, "writes are late"); n != 1 || strings.Contains(got, "serve fewer streams") {
		t.Fatalf("%d warnings after a 150 ms hold, want 1 that puts it down to the machine:\n%s", n, got)
	}
	if !strings.Contains(got, "streams=1") || !strings.Contains(got, "late=") {
		t.Errorf("the warning lacks how late and how many streams:\n%s", got)
	}
	// Within behindEvery, a second fall behind is not warned about again.
	stream()
	if n := strings.Count(logs.String(), "writes are late"); n != 1 {
		t.Errorf("%d warnings after a second hold within %v, want still 1", n, behindEvery)
	}
}

// With many streams in a scheduler, a late pass is the server's own load,
// and the warning says to serve fewer.
func TestBehindScheduleWarningUnderLoad(t *testing.T) {
	var logs logBuffer
	tr := New(slog.New(slog.NewTextHandler(&logs, nil)))
	sc := &scheduler{t: tr}
	sc.noteLag(10*time.Millisecond, 5000)
	if logs.String() != "" {
		t.Fatalf("warned about 10 ms: %s", logs.String())
	}
	sc.noteLag(80*time.Millisecond, 5000)
	if got := logs.String(); !strings.Contains(got, "behind its schedule") || !strings.Contains(got, "serve fewer streams") {
		t.Errorf("the warning under load: %s", got)
	}
}

// readRest reads br to its end.
func readRest(br *bufio.Reader) (string, error) {
	var b strings.Builder
	_, err := br.WriteTo(&b)
	return b.String(), err
}
