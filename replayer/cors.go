package replayer

import (
	"net/http"

	"github.com/ssetape/ssetape/cassette"
)

// cors adds the CORS headers and, for a preflight, allows what it asks for.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := s.opts.CORS
	if origin != "*" {
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
		allow := r.Header.Get("Access-Control-Request-Headers")
		if allow == "" {
			allow = "Content-Type, Authorization, Last-Event-ID, " + cassette.FaultHeader + ", " + cassette.SessionHeader
		}
		h.Set("Access-Control-Allow-Headers", allow)
		h.Set("Access-Control-Max-Age", "600")
	}
}
