package control

import (
	"net/http"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/wire"
)

// health answers {"status": "ok", "interactions": N, "streams": M}: M the
// streams open now. It works with no replay side too (a recording proxy:
// 0 and 0).
func (c *Control) health(w http.ResponseWriter, _ *http.Request, _ string) {
	out := wire.Health{Status: "ok", Journal: c.jour.len()}
	if rep := c.replayer(); rep != nil {
		out.Interactions, out.Streams = rep.Interactions(), len(rep.Streams())
	}
	writeJSON(w, http.StatusOK, out)
}

// reset clears counters: the session from the body's session, else from
// Ssetape-Session or ssetape_session, else all.
func (c *Control) reset(w http.ResponseWriter, r *http.Request, _ string) {
	var in wire.Reset
	if err := decode(r, &in); err != nil {
		writeErr(w, err)
		return
	}
	session := ""
	switch {
	case in.Session != nil:
		session = *in.Session
	case r.Header.Get(cassette.SessionHeader) != "":
		session = r.Header.Get(cassette.SessionHeader)
	default:
		session = r.URL.Query().Get(cassette.SessionParam)
	}
	if err := checkSession(session); err != nil {
		writeErr(w, err)
		return
	}
	c.replayer().Reset(session)
	scope := "all"
	if session != "" {
		scope = "session"
	}
	c.log.Info("control", "op", "reset", "scope", scope, "session", clip.String(session, 80))
	writeJSON(w, http.StatusOK, wire.ResetDone{Reset: scope, Session: session})
}

// checkSession refuses a session name over the replayer's limit.
func checkSession(s string) error {
	if len(s) > replayer.MaxSessionName {
		return fieldErr("session", "the session name is %d bytes, over the limit of %d", len(s), replayer.MaxSessionName)
	}
	return nil
}
