package replayer

import (
	"net/http"
	"time"

	"github.com/ssetape/ssetape/internal/clip"

	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
)

// resume serves a request that carries Last-Event-ID: the stream on this
// path (any method) that holds the id, after that event, preferring the one
// this session was last served on the path; 204 when nothing is left. It
// returns false when no stream holds the id (the request is then matched as
// usual, with a warning).
func (s *Server) resume(w http.ResponseWriter, r *http.Request, x *observe.Exchange, cat *catalog, in *incoming, session, id string, start time.Time, reqFaults []*fault.Spec) bool {
	order := cat.all()
	if last := s.sessions.lastServed(session, in.path); last != nil {
		order = append([]*recorded{last}, order...)
	}
	for _, rec := range order {
		p := rec.prep
		if rec.path != in.path || p == nil {
			continue
		}
		off, ok := p.resumeAt[id]
		if !ok {
			continue
		}
		st := &observe.Stream{ID: s.seq.Add(1), Session: session, Method: r.Method, Path: r.URL.Path, Interaction: rec.label, Resumed: true, Exchange: x}
		if off >= p.size {
			x.Matched(rec.label, st.ID)
			w.WriteHeader(http.StatusNoContent)
			x.Answered(http.StatusNoContent, nil)
			x.End(time.Now(), "204: nothing left after that event")
			s.log.Info("request", "id", st.ID, "session", clip.String(session, 80), "method", r.Method, "path", clip.String(r.URL.Path, 200),
				"interaction", rec.label, "last_event_id", clip.String(id, 80), "outcome", "204: nothing left after that event")
			return true
		}
		s.answer(w, r, x, rec, st, &resumePoint{off: off, base: p.resumeDue[id]}, reqFaults, start)
		return true
	}
	s.log.Warn("Last-Event-ID not in any recorded stream on this path; sending the whole stream",
		"session", clip.String(session, 80), "method", r.Method, "path", clip.String(r.URL.Path, 200), "last_event_id", clip.String(id, 80))
	return false
}
