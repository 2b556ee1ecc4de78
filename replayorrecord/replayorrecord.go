// Package replayorrecord composes a replay server and a recording proxy
// (proxy --mode replay-or-record, go-vcr's "replay with new episodes"): a
// request the replayer holds a match for is answered from the cassettes,
// any other is forwarded upstream and recorded, and what was recorded is
// added to the replayer at once, so that the same request later in the same
// run costs no upstream request either.
package replayorrecord

import (
	"fmt"
	"net/http"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/recorder"
	"github.com/ssetape/ssetape/replayer"
)

// Handler answers from rp what it holds and forwards the rest through px.
type Handler struct {
	rp *replayer.Server
	px *recorder.Proxy
}

// New composes rp and px. It wraps px.OnInteraction so that every
// interaction recorded (and handed on to the original callback first, which
// saves it) is added to rp; an interaction rp cannot take is logged through
// px.Log and stays recorded.
func New(rp *replayer.Server, px *recorder.Proxy) *Handler {
	saved := px.OnInteraction
	px.OnInteraction = func(it *cassette.Interaction) {
		if saved != nil {
			saved(it)
		}
		c := &cassette.Cassette{Version: cassette.Version, Interactions: []*cassette.Interaction{it}}
		if _, err := rp.Add(replayer.Source{Name: "recorded", Cassette: c}, replayer.AddOptions{}); err != nil && px.Log != nil {
			px.Log(it.Request.Method, it.Request.Path, it.Response.Status, fmt.Sprintf("recorded, but not replayable in this run: %v", err))
		}
	}
	return &Handler{rp: rp, px: px}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.rp.Holds(r) {
		h.rp.ServeHTTP(w, r)
		return
	}
	h.px.ServeHTTP(w, r)
}
