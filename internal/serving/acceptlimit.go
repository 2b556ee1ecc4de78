package serving

import (
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"
)

// FDShortListener keeps serving when the process runs out of file
// descriptors: an Accept that fails with EMFILE or ENFILE is retried (5 ms,
// doubling to 1 s) until a stream ends and frees one, as net/http would do
// itself, but with one warning every 10 s that says what to change instead
// of a log line for every retry.
type FDShortListener struct {
	net.Listener
	log    *slog.Logger
	warned time.Time // only Serve's accept loop calls Accept
	sleep  func(time.Duration)
}

// NewFDShortListener wraps a listener; its warnings go to log.
func NewFDShortListener(ln net.Listener, log *slog.Logger) *FDShortListener {
	return &FDShortListener{Listener: ln, log: log, sleep: time.Sleep}
}

func (l *FDShortListener) Accept() (net.Conn, error) {
	delay := 5 * time.Millisecond
	for {
		c, err := l.Listener.Accept()
		if err == nil || !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) {
			return c, err
		}
		if l.warned.IsZero() || time.Since(l.warned) >= 10*time.Second {
			l.warned = time.Now()
			attrs := []any{"error", err}
			if n := OpenFilesLimit(); n > 0 {
				attrs = append(attrs, "limit", n)
			}
			attrs = append(attrs, "hint", "raise the open-files limit (ulimit -n) or open fewer streams at once")
			l.log.Warn("out of file descriptors: new connections wait until open ones close", attrs...)
		}
		l.sleep(delay)
		delay = min(2*delay, time.Second)
	}
}
