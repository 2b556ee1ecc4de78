package replayer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// hopHeaders are never replayed: the server sets its own framing, and the
// body is sent as recorded, decoded.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer",
	"Content-Length", "Content-Encoding", "Date"}

// errClientGone and errClosed say why a stream stopped early.
var (
	errClientGone = errors.New("the client went away")
	errClosed     = errors.New("the server was shut down")
)

// finish logs a request's outcome and tells the observer the stream ended.
func (s *Server) finish(st *Stream, p *Plan, err error, events, bytes int, start time.Time) {
	outcome := "sent"
	switch {
	case err != nil:
		outcome = err.Error()
	case !p.Stream:
		outcome = fmt.Sprintf("sent a %d-byte body", len(p.Body))
	}
	if s.log.Enabled(context.Background(), slog.LevelInfo) {
		attrs := []any{"id", st.ID, "session", st.Session, "method", st.Method, "path", st.Path,
			"interaction", st.Interaction, "status", p.Status, "outcome", outcome}
		if p.Stream {
			attrs = append(attrs, "events", events, "bytes", bytes, "took", time.Since(start).Round(time.Millisecond))
		}
		if st.Repetition > 1 {
			attrs = append(attrs, "repetition", st.Repetition)
		}
		if st.Resumed {
			attrs = append(attrs, "resumed", true)
		}
		if p.Edited {
			attrs = append(attrs, "edited", true)
		}
		if p.Reset && err == nil {
			attrs = append(attrs, "end", "reset")
		}
		if len(p.Faults) > 0 {
			attrs = append(attrs, "faults", strings.Join(p.Faults, ";"), "seed", s.opts.Seed)
		}
		s.log.Info("request", attrs...)
	}
	if s.opts.Observer != nil && p.Stream {
		s.opts.Observer.End(st, err)
	}
}

// responseHeader is the header of a replayed response: the recorded one
// without what the server sets itself, plus what streaming needs.
func responseHeader(h http.Header, rec *recorded, stream bool) {
	for k, vs := range rec.it.Response.Headers {
		h[k] = append([]string(nil), vs...)
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	if stream {
		h.Set("X-Accel-Buffering", "no")
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache")
		}
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "text/event-stream")
		}
	}
}

// send writes a plan: the headers at their due time, then each chunk at its
// due time, each in a write of its own, flushed at once.
func (s *Server) send(w http.ResponseWriter, r *http.Request, st *Stream, rec *recorded, p *Plan, start time.Time) {
	h := w.Header()
	// The response head of a shared plan is written once and reused, when
	// nothing was added to the header for this request (CORS, say).
	cache := p.head
	if len(h) > 0 {
		cache = nil
	}
	for k, v := range p.Header {
		h[k] = v
	}
	if p.NoContentType {
		h["Content-Type"] = nil // and no sniffing
	}
	if p.Stream && s.hijack(w, r, st, p, start, cache) {
		return
	}
	rc := http.NewResponseController(w)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	wait := func(due time.Duration) error {
		d := time.Until(start.Add(due))
		if d <= 0 {
			return nil
		}
		timer.Reset(d)
		select {
		case <-timer.C:
			return nil
		case <-r.Context().Done():
			return errClientGone
		case <-s.closed:
			return errClosed
		}
	}
	var err error
	events, bytes := 0, 0
	defer func() { s.finish(st, p, err, events, bytes, start) }()
	if err = wait(p.HeadersDue); err != nil {
		return
	}
	w.WriteHeader(p.Status)
	if !p.Stream {
		if _, werr := w.Write(p.Body); werr != nil {
			err = errClientGone
		}
		return
	}
	if ferr := rc.Flush(); ferr != nil {
		err = errClientGone
		return
	}
	for _, c := range p.Chunks {
		if err = wait(c.Due); err != nil {
			return
		}
		if _, werr := w.Write(c.Data); werr != nil {
			err = errClientGone
			return
		}
		if ferr := rc.Flush(); ferr != nil {
			err = errClientGone
			return
		}
		bytes += len(c.Data)
		for _, e := range c.Events {
			events++
			if s.opts.Observer != nil {
				s.opts.Observer.Event(st, events, e)
			}
		}
	}
	if err = wait(p.EndDue); err != nil {
		return
	}
	if p.Reset {
		// As recorded: the connection is reset, with no end of the body.
		if conn, _, herr := rc.Hijack(); herr == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
}
