package serving

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// scriptedListener returns its errors, one per Accept, then a connection.
type scriptedListener struct {
	net.Listener
	errs []error
	conn net.Conn
}

func (l *scriptedListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	return l.conn, nil
}

func TestFDShortListenerRetries(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	var logs logBuffer
	var slept []time.Duration
	l := &FDShortListener{
		Listener: &scriptedListener{errs: []error{emfile, emfile, emfile, emfile}, conn: server},
		log:      slog.New(slog.NewTextHandler(&logs, nil)),
		sleep:    func(d time.Duration) { slept = append(slept, d) },
	}
	c, err := l.Accept()
	if err != nil || c != server {
		t.Fatalf("Accept = %v, %v; want the connection after the EMFILE errors", c, err)
	}
	if want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}; !slices.Equal(slept, want) {
		t.Errorf("waits %v, want %v", slept, want)
	}
	got := logs.String()
	if n := strings.Count(got, "out of file descriptors"); n != 1 {
		t.Errorf("%d warnings for 4 failed accepts, want 1:\n%s", n, got)
	}
	if !strings.Contains(got, "ulimit -n") || !strings.Contains(got, "too many open files") {
		t.Errorf("the warning lacks the error or what to do:\n%s", got)
	}
}

func TestFDShortListenerPassesOtherErrors(t *testing.T) {
	l := &FDShortListener{
		Listener: &scriptedListener{errs: []error{net.ErrClosed}},
		log:      slog.New(slog.NewTextHandler(&logBuffer{}, nil)),
		sleep:    func(time.Duration) { t.Error("slept on an error that is not EMFILE") },
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after close = %v, want net.ErrClosed", err)
	}
}

// logBuffer collects log lines, safe for concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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
