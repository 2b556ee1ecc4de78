package control

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/clip"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/control/wire"
)

// addedName is the name an added cassette's errors are reported under:
// "cassette:LINE:COLUMN: ...", lines and columns of the body sent.
const addedName = "cassette"

// addCassette is POST /__ssetape/cassettes: a cassette as YAML or JSON,
// validated as a file is (?session=S: matched only for that session's
// requests) → 201 {"id", "interactions"}.
func (c *Control) addCassette(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	session := q.Get("session")
	if err := checkSession(session); err != nil {
		writeErr(w, err)
		return
	}
	body, err := readBody(r, cassette.MaxFileSize)
	if err != nil {
		writeErr(w, err)
		return
	}
	cas, err := cassette.Parse(body, addedName)
	if err != nil {
		writeCassetteErr(w, err)
		return
	}
	c.addedMu.Lock()
	defer c.addedMu.Unlock()
	if len(c.added) >= c.caps.added {
		writeError(w, http.StatusConflict, "", "there are "+strconv.Itoa(MaxAdded)+" added cassettes, the most the server keeps; DELETE /__ssetape/cassettes/{id} removes one")
		return
	}
	added, err := c.replayer().Add(replayer.Source{Name: addedName, Cassette: cas}, replayer.AddOptions{Session: session})
	if err != nil {
		writeCassetteErr(w, err)
		return
	}
	c.added[added.ID] = true
	c.log.Info("control", "op", "add-cassette", "id", added.ID, "interactions", added.Interactions, "session", clip.String(session, 80))
	writeJSON(w, http.StatusCreated, wire.ID{ID: added.ID, Interactions: &added.Interactions})
}

// writeCassetteErr answers 400 with every problem of a refused cassette,
// each with its line and column.
func writeCassetteErr(w http.ResponseWriter, err error) {
	var problems []wire.Problem
	var many cassette.Errors
	var one *cassette.Error
	switch {
	case errors.As(err, &many):
		for _, e := range many {
			problems = append(problems, wire.Problem{Line: e.Line, Column: e.Column, Field: e.Key, Message: e.Error()})
		}
	case errors.As(err, &one):
		problems = append(problems, wire.Problem{Line: one.Line, Column: one.Column, Field: one.Key, Message: one.Error()})
	default:
		problems = append(problems, wire.Problem{Message: err.Error()})
	}
	out := wire.Error{Error: "ssetape: the cassette was refused: " + err.Error(), Field: problems[0].Field, Problems: problems}
	writeJSON(w, http.StatusBadRequest, out)
}

// removeCassette is DELETE /__ssetape/cassettes/{id}: its streams in
// flight finish.
func (c *Control) removeCassette(w http.ResponseWriter, _ *http.Request, id string) {
	c.addedMu.Lock()
	defer c.addedMu.Unlock()
	if err := c.replayer().Remove(id); err != nil {
		writeError(w, http.StatusNotFound, "", "no added cassette "+quote(id)+" (only cassettes added through POST /__ssetape/cassettes can be removed)")
		return
	}
	delete(c.added, id)
	c.log.Info("control", "op", "remove-cassette", "id", clip.String(id, 40))
	writeJSON(w, http.StatusOK, wire.Count{Removed: &id})
}
