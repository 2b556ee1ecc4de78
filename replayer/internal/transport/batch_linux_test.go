package transport

import (
	"bufio"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/internal/sendring"
	"github.com/ssetape/ssetape/replayer/fault"
)

// needRing skips the test where the kernel (or a seccomp profile) refuses
// io_uring: the transport then writes with send(2), which the whole
// package's tests cover under SSETAPE_IO_URING=off.
func needRing(t *testing.T) {
	t.Helper()
	r, err := sendring.New(ringEntries)
	if err != nil {
		t.Skipf("no io_uring here (%v): the send(2) path is the one in use", err)
	}
	r.Close()
}

// The schedulers write with the ring where there is one (whatever the
// run's environment says), and without it when SSETAPE_IO_URING=off.
func TestSchedulersUseTheRingUnlessTurnedOff(t *testing.T) {
	needRing(t)
	for _, off := range []bool{false, true} {
		t.Setenv(ringOff, map[bool]string{false: "", true: "off"}[off])
		srv := serve(t, nil, func() *fault.Plan { return planOf(time.Millisecond, "one", "two") })
		resp, err := http.Get(srv.ts.URL + "/s")
		if err != nil {
			t.Fatal(err)
		}
		rest, err := readRest(bufio.NewReader(resp.Body))
		resp.Body.Close()
		if err != nil || rest != "data: one\n\ndata: two\n\n" {
			t.Fatalf("off %v: body %q, %v", off, rest, err)
		}
		for i, sc := range srv.schedulers() {
			if (sc.ring == nil) != off {
				t.Errorf("%s=off %v: scheduler %d has ring %v", ringOff, off, i, sc.ring != nil)
			}
		}
	}
}

// A ring that fails under a running server: the scheduler says so once,
// gives the ring up, and its streams go on, written with send(2), byte for
// byte.
func TestStreamsGoOnWhenTheRingFails(t *testing.T) {
	needRing(t)
	t.Setenv(ringOff, "") // the ring, even in a run that turns it off for the rest
	var logs logBuffer
	srv := serve(t, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		func() *fault.Plan { return planOf(30*time.Millisecond, "one", "two", "three") })
	br := firstLine(t, srv.ts.URL+"/s")
	// The stream waits 30 ms for its next write: break every ring now.
	for _, sc := range srv.schedulers() {
		sc.mu.Lock() // orders this read of ring before the scheduler's next pass
		if sc.ring != nil {
			if err := sc.ring.Break(); err != nil {
				t.Fatal(err)
			}
		}
		sc.mu.Unlock()
	}
	rest, err := readRest(br)
	if err != nil || rest != "\ndata: two\n\ndata: three\n\n" {
		t.Fatalf("rest of the stream %q, %v", rest, err)
	}
	if n := strings.Count(logs.String(), "io_uring failed"); n != 1 {
		t.Fatalf("%d warnings of the failed ring, want 1:\n%s", n, logs.String())
	}
}
