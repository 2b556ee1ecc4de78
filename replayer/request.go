package replayer

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/clip"

	"github.com/ssetape/ssetape/internal/serving"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/jsonbody"
)

// The path of one request through the server: read it (this file), match
// it (catalog.go, match.go), build its plan with its faults (plan.go,
// faults.go), then hand the plan to the transport (send.go).

// MaxSessionName is the longest Ssetape-Session value, in bytes; a longer
// one gets 400.
const MaxSessionName = 256

// serveRequest reads a request and answers it from the cassettes.
func (s *Server) serveRequest(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q, session, ok := s.querySession(w, r)
	if !ok {
		return
	}
	// Faults named by the request replace the others ("none" turns them off).
	reqFaults, err := requestFaults(r, q)
	if err != nil {
		s.fail(w, s.begin(r, session, nil), http.StatusBadRequest, "ssetape: "+err.Error()+"\n")
		return
	}
	body, status, err := serving.ReadBody(w, r, MaxRequestBody)
	if err != nil {
		s.fail(w, s.begin(r, session, nil), status, "ssetape: "+err.Error()+"\n")
		return
	}
	x := s.begin(r, session, body)
	in := &incoming{method: r.Method, path: r.URL.Path, query: q, body: body}
	in.bodyJSON, in.isJSON = jsonbody.Parse(body)
	cat := s.cat.Load()
	if id, ok := lastEventID(r); ok {
		if s.resume(w, r, x, cat, in, session, id, start, reqFaults) {
			return
		}
	}
	m, ok := cat.match(in, session, s.opts.BodyAny)
	if !ok {
		s.fail(w, x, http.StatusNotFound, cat.noMatch(in, s.opts.BodyAny))
		return
	}
	n := s.sessions.next(session, m.key)
	rec := m.cands[min(n, len(m.cands)-1)]
	if n >= len(m.cands) && s.opts.Repeat == RepeatError {
		s.fail(w, x, http.StatusNotFound, fmt.Sprintf(
			"ssetape: %s %s was answered %d times already, all the recorded responses for it (--repeat error); POST /__ssetape/reset starts over\n",
			r.Method, r.URL.Path, len(m.cands)))
		return
	}
	s.sessions.served(session, rec.path, rec)
	st := &observe.Stream{ID: s.seq.Add(1), Session: session, Method: r.Method, Path: r.URL.Path,
		Interaction: rec.label, Repetition: n + 1, Exchange: x}
	s.answer(w, r, x, rec, st, nil, reqFaults, start)
}

// querySession reads the request's query and session, answering 400 (and
// false) when either is bad: the first step of every request.
func (s *Server) querySession(w http.ResponseWriter, r *http.Request) (query, string, bool) {
	q, err := parseQuery(r.URL.RawQuery)
	var session string
	if err == nil {
		session, err = sessionOf(r, q)
	}
	if err != nil {
		s.fail(w, s.begin(r, "", nil), http.StatusBadRequest, "ssetape: "+err.Error()+"\n")
		return nil, "", false
	}
	return q, session, true
}

// sessionOf is the request's session: its Ssetape-Session header, else its
// ssetape_session query parameter.
func sessionOf(r *http.Request, q query) (string, error) {
	session := r.Header.Get(cassette.SessionHeader)
	if session == "" && len(q[cassette.SessionParam]) > 0 {
		session = q[cassette.SessionParam][0]
	}
	if len(session) > MaxSessionName {
		return "", fmt.Errorf("the session name is %d bytes, over the limit of %d (%s…)", len(session), MaxSessionName, clip.String(session, 40))
	}
	return session, nil
}

// requestFaults reads the faults a request names: the Ssetape-Fault header,
// else the ssetape_fault query parameter. nil: none named; empty: none.
func requestFaults(r *http.Request, q query) ([]*fault.Spec, error) {
	text, named := r.Header.Get(cassette.FaultHeader), false
	if text != "" {
		named = true
	} else if v, ok := q[cassette.FaultParam]; ok && len(v) > 0 {
		text, named = v[0], true
	}
	if !named {
		return nil, nil
	}
	specs, err := fault.Parse(text)
	if err != nil {
		return nil, err
	}
	if specs == nil {
		specs = []*fault.Spec{}
	}
	return specs, nil
}

// lastEventID returns the Last-Event-ID a reconnecting client sent.
func lastEventID(r *http.Request) (string, bool) {
	v, ok := r.Header["Last-Event-Id"]
	if !ok || len(v) == 0 || v[0] == "" {
		return "", false
	}
	return v[0], true
}

// begin starts the journal's record of a request.
func (s *Server) begin(r *http.Request, session string, body []byte) *observe.Exchange {
	x := observe.NewExchange(r, session, body, time.Now())
	if s.opts.Journal != nil {
		s.opts.Journal.Record(x)
	}
	return x
}

// fail answers with an error status and a plain-text explanation. The log
// line quotes its first line, cut short: a request cannot fill the log.
func (s *Server) fail(w http.ResponseWriter, x *observe.Exchange, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
	first, _, _ := strings.Cut(msg, "\n")
	info := x.Snapshot()
	s.log.Info("request", "session", clip.String(info.Session, 80), "method", info.Method, "path", clip.String(info.Path, 200), "status", status,
		"outcome", clip.String(strings.TrimPrefix(first, "ssetape: "), 300))
	closeExchange(x, status, clip.String(first, 200))
}

// closeExchange records the end of a request answered without a stream.
func closeExchange(x *observe.Exchange, status int, reason string) {
	x.Answered(status, nil)
	x.End(time.Now(), reason)
}
