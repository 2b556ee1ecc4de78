package serving

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// BodyIdle is how long a server waits for the next bytes of a request body
// that stopped arriving: a body that stops half-way is not held forever.
const BodyIdle = 30 * time.Second

// ReadBody reads a request body of at most limit bytes, giving up when it
// stops arriving for BodyIdle. When it cannot, it returns the status to
// answer with: 413 over the limit, 400 for a body that failed to arrive,
// with what happened.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	return readBody(w, r, limit, BodyIdle)
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64, idle time.Duration) ([]byte, int, error) {
	rc := http.NewResponseController(w)
	limited := http.MaxBytesReader(w, r.Body, limit)
	var b []byte
	buf := make([]byte, 32<<10)
	for {
		_ = rc.SetReadDeadline(time.Now().Add(idle))
		n, err := limited.Read(buf)
		b = append(b, buf[:n]...)
		if err == io.EOF {
			_ = rc.SetReadDeadline(time.Time{})
			return b, 0, nil
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is over %d MiB", limit>>20)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, http.StatusBadRequest, fmt.Errorf("the request body stopped arriving after %d bytes (nothing for %v)", len(b), idle)
			}
			return nil, http.StatusBadRequest, fmt.Errorf("the request body could not be read after %d bytes: %v", len(b), err)
		}
	}
}
