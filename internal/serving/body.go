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
	// Most streaming requests are GETs with no body: no buffer, no
	// deadline (this runs for every request of a load test).
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, 0, nil
	}
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the request body is over %d MiB", limit>>20)
	}
	rc := http.NewResponseController(w)
	limited := http.MaxBytesReader(w, r.Body, limit)
	// A body of known length is read into a buffer of its size; one of
	// unknown length grows as it arrives (never a fixed buffer per request).
	size := int64(512)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1 // +1 so that the EOF read needs no growth
	}
	b := make([]byte, 0, size)
	for {
		_ = rc.SetReadDeadline(time.Now().Add(idle))
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := limited.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
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
