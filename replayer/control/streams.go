package control

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"

	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/wire"
	"github.com/ssetape/ssetape/replayer/fault"
)

// streamFilter is ?session=S&state=open|held, or the same fields of a bulk
// body.
type streamFilter struct {
	session    string
	hasSession bool
	state      string // "" any
}

func (f streamFilter) keeps(s replayer.StreamInfo) bool {
	return (!f.hasSession || s.Session == f.session) && (f.state == "" || f.state == stateOf(s))
}

func stateOf(s replayer.StreamInfo) string {
	if s.Held {
		return "held"
	}
	return "open"
}

func checkState(state string) error {
	if state != "" && state != "open" && state != "held" {
		return fieldErr("state", "state %q: want open or held", clip.String(state, 40))
	}
	return nil
}

func (c *Control) matchingStreams(f streamFilter) []wire.Stream {
	out := []wire.Stream{}
	for _, s := range c.replayer().Streams() {
		if !f.keeps(s) {
			continue
		}
		j := wire.Stream{ID: s.ID, Session: s.Session, Method: s.Method, Path: s.Path, Interaction: s.Interaction,
			EventsSent: s.EventsSent, EventsTotal: s.EventsTotal, State: stateOf(s)}
		if s.HasNext {
			t := s.NextType
			j.NextType = &t
		}
		out = append(out, j)
	}
	return out
}

// listStreams is GET /__ssetape/streams: the open streams, filtered; with
// wait=D it answers as soon as one matches, else an empty list at D.
func (c *Control) listStreams(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	f := streamFilter{session: q.Get("session"), hasSession: q.Has("session"), state: q.Get("state")}
	if err := checkState(f.state); err != nil {
		writeErr(w, err)
		return
	}
	wait, err := waitOf(q)
	if err != nil {
		writeErr(w, err)
		return
	}
	rep := c.replayer()
	out, ok := pollFor(c, r, wait, rep.StreamsChanged, func() ([]wire.Stream, bool) {
		s := c.matchingStreams(f)
		return s, len(s) > 0
	})
	if !ok {
		writeTooManyPolls(w)
		return
	}
	writeJSON(w, http.StatusOK, wire.Streams{Streams: out})
}

// releaseOf reads the body of a release: {} sends what follows; all,
// events, until and speed as DESIGN.md's "Release" says.
func releaseOf(b wire.Release) (replayer.Release, error) {
	var rel replayer.Release
	rel.All = b.All
	set := 0
	if b.All {
		set++
	}
	if b.Events != nil {
		if *b.Events < 1 {
			return rel, fieldErr("events", "events %d: want 1 or more (the events to send before holding again)", *b.Events)
		}
		rel.Events = *b.Events
		set++
	}
	if len(b.Until) > 0 && string(b.Until) != "null" {
		sel, err := untilOf(b.Until)
		if err != nil {
			return rel, err
		}
		rel.Until = &sel
		set++
	}
	if set > 1 {
		return rel, fieldErr("until", "give at most one of all, events and until")
	}
	if len(b.Speed) > 0 && string(b.Speed) != "null" {
		var s string
		var f float64
		switch {
		case json.Unmarshal(b.Speed, &s) == nil && s == "max":
			rel.Max = true
		case json.Unmarshal(b.Speed, &f) == nil && f > 0 && !math.IsInf(f, 0):
			rel.Speed = f
		default:
			return rel, fieldErr("speed", "speed %s: want a positive number (2 is twice as fast) or \"max\"", clip.String(string(b.Speed), 40))
		}
	}
	return rel, nil
}

// untilOf reads until: "T", {"type": T, "type_from": P} or {"data": TEXT}.
func untilOf(raw json.RawMessage) (fault.Selector, error) {
	var typ string
	if json.Unmarshal(raw, &typ) == nil {
		return fault.NewSelector(typ, "", "", false)
	}
	var o struct {
		Type     string  `json:"type"`
		TypeFrom string  `json:"type_from"`
		Data     *string `json:"data"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return fault.Selector{}, fieldErr("until", `until: want an event type ("tool_call"), {"type": T, "type_from": "data.type"} or {"data": TEXT}`)
	}
	data := ""
	if o.Data != nil {
		data = *o.Data
	}
	sel, err := fault.NewSelector(o.Type, o.TypeFrom, data, o.Data != nil)
	if err != nil {
		return sel, fieldErr("until", "until: %v", err)
	}
	return sel, nil
}

// releaseOne is POST /__ssetape/streams/{id}/release.
func (c *Control) releaseOne(w http.ResponseWriter, r *http.Request, id string) {
	var b wire.Release
	if err := decode(r, &b); err != nil {
		writeErr(w, err)
		return
	}
	rel, err := releaseOf(b)
	if err != nil {
		writeErr(w, err)
		return
	}
	if err := c.replayer().ReleaseStream(id, rel); err != nil {
		writeStreamErr(w, id, err)
		return
	}
	c.log.Info("control", "op", "release", "stream", clip.String(id, 40))
	writeJSON(w, http.StatusOK, wire.Released{Released: []string{id}})
}

// resetOf reads {"how": "close"|"reset"}.
func resetOf(b wire.End) (bool, error) {
	switch b.How {
	case "", "close":
		return false, nil
	case "reset":
		return true, nil
	}
	return false, fieldErr("how", "how %q: want close (end the body cleanly) or reset (a TCP reset)", clip.String(b.How, 40))
}

// endOne is POST /__ssetape/streams/{id}/end.
func (c *Control) endOne(w http.ResponseWriter, r *http.Request, id string) {
	var b wire.End
	if err := decode(r, &b); err != nil {
		writeErr(w, err)
		return
	}
	reset, err := resetOf(b)
	if err != nil {
		writeErr(w, err)
		return
	}
	if err := c.replayer().EndStream(id, reset); err != nil {
		writeStreamErr(w, id, err)
		return
	}
	c.log.Info("control", "op", "end", "stream", clip.String(id, 40), "reset", reset)
	writeJSON(w, http.StatusOK, wire.Ended{Ended: []string{id}})
}

// bulkFilter reads the {"session", "state"} of a bulk release or end.
func bulkFilter(b wire.Bulk, defaultState string) (streamFilter, error) {
	f := streamFilter{state: b.State}
	if f.state == "" {
		f.state = defaultState
	}
	if b.Session != nil {
		f.session, f.hasSession = *b.Session, true
	}
	return f, checkState(b.State)
}

// releaseMany is POST /__ssetape/streams/release: every held stream that
// matches, with the release fields of the body.
func (c *Control) releaseMany(w http.ResponseWriter, r *http.Request, _ string) {
	var b struct {
		wire.Bulk
		wire.Release
	}
	if err := decode(r, &b); err != nil {
		writeErr(w, err)
		return
	}
	f, err := bulkFilter(b.Bulk, "held")
	if err != nil {
		writeErr(w, err)
		return
	}
	rel, err := releaseOf(b.Release)
	if err != nil {
		writeErr(w, err)
		return
	}
	done := []string{}
	for _, s := range c.matchingStreams(f) {
		// A stream that ended or moved on since it was listed is skipped.
		if c.replayer().ReleaseStream(s.ID, rel) == nil {
			done = append(done, s.ID)
		}
	}
	c.log.Info("control", "op", "release", "count", len(done))
	writeJSON(w, http.StatusOK, wire.Released{Released: done})
}

// endMany is POST /__ssetape/streams/end: every open stream that matches.
func (c *Control) endMany(w http.ResponseWriter, r *http.Request, _ string) {
	var b struct {
		wire.Bulk
		wire.End
	}
	if err := decode(r, &b); err != nil {
		writeErr(w, err)
		return
	}
	f, err := bulkFilter(b.Bulk, "")
	if err != nil {
		writeErr(w, err)
		return
	}
	reset, err := resetOf(b.End)
	if err != nil {
		writeErr(w, err)
		return
	}
	done := []string{}
	for _, s := range c.matchingStreams(f) {
		if c.replayer().EndStream(s.ID, reset) == nil {
			done = append(done, s.ID)
		}
	}
	c.log.Info("control", "op", "end", "count", len(done), "reset", reset)
	writeJSON(w, http.StatusOK, wire.Ended{Ended: done})
}

func writeStreamErr(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, replayer.ErrNoStream):
		writeError(w, http.StatusNotFound, "", "no open stream "+quote(id)+" (it may have ended: GET /__ssetape/streams lists those open)")
	case errors.Is(err, replayer.ErrNotHeld):
		writeError(w, http.StatusConflict, "", "stream "+quote(id)+" is not held: only a stream waiting at a hold point can be released")
	default:
		writeError(w, http.StatusConflict, "", "stream "+quote(id)+": "+err.Error())
	}
}
