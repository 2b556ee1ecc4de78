package replayer

import (
	"bytes"
	"sync"
)

// LogBuffer collects a server's log lines, safe for its goroutines. It is
// exported (in a test file of the package) so that the external tests use
// it too.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
