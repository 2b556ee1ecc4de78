package transport

import (
	"net"
	"net/http"
	"time"

	"github.com/ssetape/ssetape/replayer/fault"
)

// writeHTTP writes a response through the ResponseWriter, on the handler's
// goroutine: what cannot or should not be taken over (HTTP/2, HTTP/1.0,
// HEAD, a status without a body, a response that is not a stream). Headers
// at their due time, then each chunk at its due time, each in a write of its
// own, flushed at once; holds and the control API's ends apply as on the
// hijacked path.
func (t *Transport) writeHTTP(w http.ResponseWriter, r *http.Request, s *Stream) {
	c := s.cur
	p := s.Plan
	wake := make(wakeChan, 1)
	c.mu.Lock()
	c.kick = wake
	c.mu.Unlock()
	rc := http.NewResponseController(w)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// wait waits until due (from the start), or forever with forever; it
	// returns false when the stream must stop, true when due or woken.
	var stop error
	wait := func(due time.Duration, forever bool) bool {
		d := time.Until(s.Start.Add(due))
		if !forever && d <= 0 {
			return true
		}
		var tc <-chan time.Time
		if !forever {
			timer.Reset(d)
			tc = timer.C
		}
		select {
		case <-tc:
			return true
		case <-wake:
			timer.Stop()
			return true
		case <-r.Context().Done():
			stop = ErrClientGone
		case <-t.closed:
			stop = ErrClosed
		}
		return false
	}
	defer func() { s.finish(stop) }()
	for {
		c.mu.Lock()
		if how := c.endReq; how != endNone {
			c.mu.Unlock()
			stop = t.endOrdinary(w, rc, s, how)
			return
		}
		if pause := c.pauseAhead(); pause != fault.NoPause {
			c.held = pause == fault.Hold
			c.mu.Unlock()
			if pause == fault.Hold && s.Hooks != nil {
				s.Hooks.Held()
			}
			if !wait(0, true) {
				return
			}
			continue
		}
		due := c.nextDue()
		c.mu.Unlock()
		if time.Until(s.Start.Add(due)) > 0 {
			if !wait(due, due >= fault.Forever) {
				return
			}
			continue // a wake-up: look again
		}
		c.mu.Lock()
		switch {
		case c.next < 0:
			c.next, c.passed, c.lastDue = 0, false, c.headersDue
			c.mu.Unlock()
			w.WriteHeader(p.Status)
			if !p.Stream {
				if _, err := w.Write(p.Body); err != nil {
					stop = ErrClientGone
				}
				return
			}
			if rc.Flush() != nil {
				stop = ErrClientGone
				return
			}
		case c.next < len(c.chunks):
			ch := c.chunks[c.next]
			c.next++
			c.passed, c.lastDue = false, ch.Due
			c.bytes += len(ch.Data)
			c.off += int64(len(ch.Data))
			c.mu.Unlock()
			if len(ch.Data) > 0 {
				if _, err := w.Write(ch.Data); err != nil || rc.Flush() != nil {
					stop = ErrClientGone
					return
				}
			}
			for _, e := range ch.Events {
				c.mu.Lock()
				c.events++
				n := c.events
				c.mu.Unlock()
				if s.Event != nil {
					s.Event(n, e)
				}
			}
		default:
			c.mu.Unlock()
			if p.Reset {
				// As recorded: the connection is reset, with no end of the body.
				resetHTTP(rc)
			}
			return
		}
	}
}

// endOrdinary ends a stream on the ordinary path as the control API asked.
func (t *Transport) endOrdinary(w http.ResponseWriter, rc *http.ResponseController, s *Stream, how endHow) error {
	c := s.cur
	switch how {
	case endReset:
		resetHTTP(rc)
		return ErrResetByControl
	case endGone:
		return ErrClientGone
	}
	// Held before the headers: the response as planned, with an empty body.
	c.mu.Lock()
	headersSent := c.next >= 0
	c.next = max(c.next, 0)
	c.mu.Unlock()
	if !headersSent {
		w.WriteHeader(s.Plan.Status)
	}
	return ErrEndedByControl
}

// resetHTTP resets the connection under a ResponseWriter: taken over and
// closed with SO_LINGER 0 where it can be, else the handler aborts (net/http
// then drops the connection without ending the body).
func resetHTTP(rc *http.ResponseController) {
	if conn, _, err := rc.Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// wakeChan wakes the handler's goroutine writing a stream: its kicker.
type wakeChan chan struct{}

func (w wakeChan) kick() {
	select {
	case w <- struct{}{}:
	default:
	}
}
