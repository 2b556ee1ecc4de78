package replayer

import (
	"fmt"
	"net/http"

	"github.com/ssetape/ssetape/internal/clip"
)

// control serves what a bare Server answers under /__ssetape/: POST
// /__ssetape/reset clears the counters of the session named by
// Ssetape-Session or ssetape_session, or of all. The rest of the control
// API is replayer/control's, which wraps the server.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	_, session, ok := s.querySession(w, r)
	if !ok {
		return
	}
	if r.URL.Path == "/__ssetape/reset" && r.Method == http.MethodPost {
		s.Reset(session)
		w.Header().Set("Content-Type", "application/json")
		scope := "all"
		if session != "" {
			scope = "session"
		}
		fmt.Fprintf(w, "{\"reset\":%q,\"session\":%q}\n", scope, session)
		s.log.Info("reset", "session", clip.String(session, 80), "scope", scope)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "ssetape: %s %s is not served here; a bare replayer.Server answers only POST /__ssetape/reset (the control API is replayer/control)\n", r.Method, clip.String(r.URL.Path, 200))
}
