// Package replayer serves cassettes as a mock SSE server: it matches each
// request to a recorded interaction, then sends the recorded response with
// its bytes, chunk boundaries and pacing (or a pacing the caller chooses).
//
// A Server is an http.Handler. Per-session counters give identical requests
// the recorded responses in order; a request with Last-Event-ID resumes a
// stream after that event. Every response is first built as a Plan (chunks
// with due times) that faults can change before anything is written, and an
// Observer can watch every event as it is sent.
//
// Streams over HTTP/1.1 are taken over from net/http and written from a few
// shared schedulers, so thousands of paced streams cost no goroutine each;
// after a stream the connection is kept alive for the client's next request
// (see Close for shutting those down, and Pacing for how late the writes
// were).
//
// It does not record and does not check contracts: those are the recorder
// and assert packages, which plug in through Observer.
package replayer

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/sse"
)

// MaxRequestBody is the largest request body the server reads; a larger one
// gets 413.
const MaxRequestBody = 10 << 20

// Repeat says what a request gets after the last recorded response for it.
type Repeat uint8

// The repeat policies.
const (
	RepeatLast  Repeat = iota // the last recorded response again
	RepeatError               // an error (404) that says the recorded responses ran out
)

// Options configure a Server.
type Options struct {
	Pacing Pacing
	// Seed is the seed of all randomness (jitter, and faults' probabilities).
	Seed   uint64
	Repeat Repeat
	// BodyAny matches every request body (--match-body any); otherwise each
	// interaction's match setting applies.
	BodyAny bool
	// CORS, when set, is the allowed origin ("*" or one origin).
	CORS string
	// Strict refuses, at New, recorded streams whose entries were edited.
	Strict bool
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Observer, when set, sees every event as it is sent.
	Observer Observer
	// Faults apply to every request whose interaction and request name
	// none (--fault). Parse them with ParseFaults.
	Faults []*FaultSpec
}

// Observer watches the streams a Server sends. Its methods are called from
// the goroutine serving the stream, in order for that stream; streams run
// concurrently.
type Observer interface {
	// Event is called after each event is written, numbered from 1.
	Event(s *Stream, n int, e sse.Event)
	// End is called when the stream ends; err is nil when it was sent to
	// the end.
	End(s *Stream, err error)
}

// Stream describes one response being sent, for observers and logs.
type Stream struct {
	ID          uint64
	Session     string
	Method      string
	Path        string
	Interaction string // file:line (interaction N)
	Repetition  int    // 1 for the first response to this request in the session
	Resumed     bool
}

// Server serves cassettes. Create it with New.
type Server struct {
	opts  Options
	log   *slog.Logger
	recs  []*recorded
	preps []*prepared // per recorded; nil for a response that is not a stream

	mu       sync.Mutex
	counters map[string]map[string]int // session -> matching set -> requests so far
	served   map[string]map[string]int // session -> path -> last interaction served

	seq       atomic.Uint64
	closed    chan struct{}
	closeOnce sync.Once
	warnEdit  []string

	schedOnce sync.Once
	schedMu   sync.Mutex
	scheds    []*scheduler
	wg        sync.WaitGroup // the schedulers and their slow writers

	warnedBehind atomic.Int64 // when noteLag last warned, Unix ns

	keepMu     sync.Mutex
	keepers    map[*http.Server]*keeper // serve connections after their streams
	idle       map[net.Conn]struct{}    // given back, waiting for the next request
	keepClosed bool
	keepWG     sync.WaitGroup
}

// Source is a cassette with the name to show for it.
type Source struct {
	Name     string
	Cassette *cassette.Cassette
}

// New prepares cassettes for serving. It fails for a stream that cannot be
// encoded, for an edited recording with Strict, and for a recorded path
// whose query cannot be read.
func New(sources []Source, opts Options) (*Server, error) {
	s := &Server{opts: opts, log: opts.Logger, counters: map[string]map[string]int{},
		served: map[string]map[string]int{}, closed: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, src := range sources {
		for i, it := range src.Cassette.Interactions {
			rec, err := prepare(len(s.recs), src.Name, i+1, it)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: interaction %d: request.path: %w", src.Name, it.Line, i+1, err)
			}
			for _, spec := range it.Faults {
				fs, err := ParseFaults(spec)
				if err != nil {
					return nil, fmt.Errorf("%s: faults: %w", rec.label, err)
				}
				rec.faults = append(rec.faults, fs...)
			}
			var p *prepared
			if it.Response.IsStream() {
				p, err = prepareStream(&it.Response, opts.Strict)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", rec.label, err)
				}
				if p.edited {
					s.warnEdit = append(s.warnEdit, rec.label)
				}
			}
			s.recs = append(s.recs, rec)
			s.preps = append(s.preps, p)
		}
	}
	return s, nil
}

// Edited lists the recorded streams whose entries were edited after
// recording (served from the entries): for a start-up warning.
func (s *Server) Edited() []string { return s.warnEdit }

// Interactions is how many interactions the server holds.
func (s *Server) Interactions() int { return len(s.recs) }

// Close ends every stream being sent (cleanly: the end of the body, then
// the connection closes) and makes new requests fail with 503. It returns
// when the streams it took over from net/http have ended, and closes the
// connections it kept alive after their streams (idle ones at once, those
// serving a request within 200 ms): an http.Server's Shutdown does not
// see those. It does not close listeners: that is the http.Server's job.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.schedMu.Lock() // the schedulers were counted in wg before this
	s.schedMu.Unlock()
	s.wg.Wait()
	s.closeKeepers()
}

// Reset clears the counters of one session, or of all when session is "".
func (s *Server) Reset(session string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if session == "" {
		s.counters = map[string]map[string]int{}
		s.served = map[string]map[string]int{}
		return
	}
	delete(s.counters, session)
	delete(s.served, session)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	select {
	case <-s.closed:
		http.Error(w, "ssetape: the replay server is shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	if s.opts.CORS != "" {
		s.cors(w, r)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		s.fail(w, r, "", http.StatusBadRequest, "ssetape: "+err.Error()+"\n")
		return
	}
	session := r.Header.Get("Ssetape-Session")
	if session == "" && len(q["ssetape_session"]) > 0 {
		session = q["ssetape_session"][0]
	}
	if strings.HasPrefix(r.URL.Path, "/__ssetape/") {
		s.control(w, r, session)
		return
	}
	// Faults named by the request replace the others ("none" turns them off).
	var reqFaults []*FaultSpec
	faultText, hasFaults := r.Header.Get("Ssetape-Fault"), false
	if faultText != "" {
		hasFaults = true
	} else if v, ok := q["ssetape_fault"]; ok && len(v) > 0 {
		faultText, hasFaults = v[0], true
	}
	if hasFaults {
		if reqFaults, err = ParseFaults(faultText); err != nil {
			s.fail(w, r, session, http.StatusBadRequest, "ssetape: "+err.Error()+"\n")
			return
		}
		if reqFaults == nil {
			reqFaults = []*FaultSpec{}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		s.fail(w, r, session, http.StatusRequestEntityTooLarge, fmt.Sprintf("ssetape: the request body is over %d MiB\n", MaxRequestBody>>20))
		return
	}
	in := &incoming{method: r.Method, path: r.URL.Path, query: q, body: body}
	in.bodyJSON, in.isJSON = parseJSON(body)

	if id, ok := lastEventID(r); ok {
		if s.resume(w, r, in, session, id, start, reqFaults) {
			return
		}
	}
	var cands []*recorded
	for _, rec := range s.recs {
		if rec.difference(in, s.opts.BodyAny) == "" {
			cands = append(cands, rec)
		}
	}
	if len(cands) == 0 {
		s.fail(w, r, session, http.StatusNotFound, s.noMatch(in))
		return
	}
	key := setKey(cands)
	s.mu.Lock()
	n := s.counters[session][key]
	if s.counters[session] == nil {
		s.counters[session] = map[string]int{}
	}
	s.counters[session][key] = n + 1
	s.mu.Unlock()
	rec := cands[min(n, len(cands)-1)]
	if n >= len(cands) && s.opts.Repeat == RepeatError {
		s.fail(w, r, session, http.StatusNotFound, fmt.Sprintf(
			"ssetape: %s %s was answered %d times already, all the recorded responses for it (--repeat error); POST /__ssetape/reset starts over\n",
			r.Method, r.URL.Path, len(cands)))
		return
	}
	s.mu.Lock()
	if s.served[session] == nil {
		s.served[session] = map[string]int{}
	}
	s.served[session][rec.path] = rec.index
	s.mu.Unlock()
	st := &Stream{ID: s.seq.Add(1), Session: session, Method: r.Method, Path: r.URL.Path, Interaction: rec.label, Repetition: n + 1}
	plan, err := s.plan(rec, st, nil, reqFaults)
	if err != nil {
		s.fail(w, r, session, http.StatusInternalServerError, "ssetape: "+err.Error()+"\n")
		return
	}
	s.send(w, r, st, rec, plan, start)
}

// lastEventID returns the Last-Event-ID a reconnecting client sent.
func lastEventID(r *http.Request) (string, bool) {
	v, ok := r.Header["Last-Event-Id"]
	if !ok || len(v) == 0 || v[0] == "" {
		return "", false
	}
	return v[0], true
}

// resume serves a request that carries Last-Event-ID: the stream on this
// path (any method) that holds the id, after that event; 204 when nothing
// is left. It returns false when no stream holds the id (the request is
// then matched as usual, with a warning).
func (s *Server) resume(w http.ResponseWriter, r *http.Request, in *incoming, session, id string, start time.Time, reqFaults []*FaultSpec) bool {
	s.mu.Lock()
	last, hasLast := s.served[session][in.path]
	s.mu.Unlock()
	order := make([]*recorded, 0, len(s.recs))
	if hasLast {
		order = append(order, s.recs[last])
	}
	order = append(order, s.recs...)
	for _, rec := range order {
		p := s.preps[rec.index]
		if rec.path != in.path || p == nil {
			continue
		}
		off, ok := p.resumeAt[id]
		if !ok {
			continue
		}
		st := &Stream{ID: s.seq.Add(1), Session: session, Method: r.Method, Path: r.URL.Path, Interaction: rec.label, Resumed: true}
		if off >= p.size {
			w.WriteHeader(http.StatusNoContent)
			s.log.Info("request", "id", st.ID, "session", session, "method", r.Method, "path", r.URL.Path,
				"interaction", rec.label, "last_event_id", id, "outcome", "204: nothing left after that event")
			return true
		}
		plan, err := s.plan(rec, st, &resumePoint{off: off, base: p.resumeDue[id]}, reqFaults)
		if err != nil {
			s.fail(w, r, session, http.StatusInternalServerError, "ssetape: "+err.Error()+"\n")
			return true
		}
		s.send(w, r, st, rec, plan, start)
		return true
	}
	s.log.Warn("Last-Event-ID not in any recorded stream on this path; sending the whole stream",
		"session", session, "method", r.Method, "path", r.URL.Path, "last_event_id", id)
	return false
}

type resumePoint struct {
	off  int64
	base time.Duration
}

// plan builds the paced plan for an interaction, then applies the faults
// of the most specific source: the request's, else the interaction's, else
// the command line's. A resumed request gets only faults with resume=yes.
func (s *Server) plan(rec *recorded, st *Stream, from *resumePoint, reqFaults []*FaultSpec) (*Plan, error) {
	p := s.basePlan(rec, st, from)
	faults := s.opts.Faults
	switch {
	case reqFaults != nil:
		faults = reqFaults
	case len(rec.faults) > 0:
		faults = rec.faults
	}
	if st.Resumed {
		var keep []*FaultSpec
		for _, f := range faults {
			if f.Resume {
				keep = append(keep, f)
			}
		}
		faults = keep
	}
	if len(faults) == 0 {
		return p, nil
	}
	// Faults change the plan: give it chunks and a header of its own
	// (the chunks' data and events are never changed in place).
	p.Chunks = slices.Clone(p.Chunks)
	p.Header = p.Header.Clone()
	p.head = nil
	rng := splitRand(s.opts.Seed, "faults", st.Session, rec.index, st.Repetition)
	applied, err := applyFaults(p, faults, rng, &faultContext{rng: rng})
	p.Faults = applied
	return p, err
}

// basePlan is the plan of an interaction before faults. A whole stream
// paced without jitter is the same for every request: it is worked out
// once and shared (plan copies what faults would change).
func (s *Server) basePlan(rec *recorded, st *Stream, from *resumePoint) *Plan {
	if prep := s.preps[rec.index]; prep != nil && from == nil && s.opts.Pacing.Jitter == 0 {
		prep.once.Do(func() {
			prep.plan = s.buildPlan(rec, st, nil)
			prep.plan.head = &headCache{}
		})
		p := *prep.plan
		return &p
	}
	return s.buildPlan(rec, st, from)
}

func (s *Server) buildPlan(rec *recorded, st *Stream, from *resumePoint) *Plan {
	resp := &rec.it.Response
	p := &Plan{Status: resp.Status, Header: http.Header{}}
	prep := s.preps[rec.index]
	responseHeader(p.Header, rec, prep != nil)
	var rng *rand.Rand
	if s.opts.Pacing.Jitter > 0 {
		rng = requestRand(s.opts.Seed, st.Session, rec.index, st.Repetition)
	}
	if prep == nil {
		p.Body = resp.Body
		p.HeadersDue, _ = s.opts.Pacing.pace(resp.HeadersAt, nil, nil, rng)
		return p
	}
	p.Stream, p.Edited = true, prep.edited
	chunks, events, types := prep.chunks, prep.events, prep.types
	headersAt := resp.HeadersAt
	if from != nil {
		chunks, events, types = prep.after(from.off, from.base)
		headersAt = 0
	}
	headers, due := s.opts.Pacing.pace(headersAt, chunks, types, rng)
	p.HeadersDue = headers
	p.Chunks = make([]Chunk, len(chunks))
	for i, c := range chunks {
		p.Chunks[i] = Chunk{Due: due[i], Data: c.Data, Events: events[i]}
	}
	p.EndDue = headers
	if n := len(chunks); n > 0 {
		p.EndDue = due[n-1]
		if e := resp.End; e != nil {
			base := chunks[n-1].At
			if from != nil {
				base += from.base
			}
			p.EndDue = s.opts.Pacing.endDue(base, due[n-1], e.At)
		}
	}
	p.Reset = resp.End != nil && resp.End.Reason == cassette.Reset
	return p
}

// setKey names a set of matching interactions: requests that match the same
// set share a counter.
func setKey(cands []*recorded) string {
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(strconv.Itoa(c.index))
		b.WriteByte(',')
	}
	return b.String()
}

// noMatch explains a 404: the closest interactions and what differed.
func (s *Server) noMatch(in *incoming) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ssetape: no recorded interaction matches %s %s", in.method, in.path)
	if len(in.query) > 0 {
		fmt.Fprintf(&b, "?%s", in.query)
	}
	b.WriteString("\n")
	if len(s.recs) == 0 {
		b.WriteString("the server holds no interactions\n")
		return b.String()
	}
	ranked := append([]*recorded(nil), s.recs...)
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].closeness(in) > ranked[j].closeness(in) })
	b.WriteString("closest:\n")
	for _, rec := range ranked[:min(3, len(ranked))] {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", rec.label, rec.it.Request.Method, rec.it.Request.Path, rec.difference(in, s.opts.BodyAny))
	}
	return b.String()
}

// fail answers with an error status and a plain-text explanation.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, session string, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
	first, _, _ := strings.Cut(msg, "\n")
	s.log.Info("request", "session", session, "method", r.Method, "path", r.URL.Path, "status", status,
		"outcome", strings.TrimPrefix(first, "ssetape: "))
}

// control serves /__ssetape/: POST /__ssetape/reset clears the counters of
// the session named by Ssetape-Session or ssetape_session, or of all.
func (s *Server) control(w http.ResponseWriter, r *http.Request, session string) {
	if r.URL.Path == "/__ssetape/reset" && r.Method == http.MethodPost {
		s.Reset(session)
		w.Header().Set("Content-Type", "application/json")
		scope := "all sessions"
		if session != "" {
			scope = "session " + session
		}
		fmt.Fprintf(w, "{\"reset\":%q}\n", scope)
		s.log.Info("reset", "session", session, "scope", scope)
		return
	}
	s.fail(w, r, session, http.StatusNotFound, "ssetape: the control endpoint is POST /__ssetape/reset\n")
}

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
			allow = "Content-Type, Authorization, Last-Event-ID, Ssetape-Fault, Ssetape-Session"
		}
		h.Set("Access-Control-Allow-Headers", allow)
		h.Set("Access-Control-Max-Age", "600")
	}
}

// Holds reports whether a request matches a recorded interaction, without
// serving it or moving any counter. It reads the request body and puts it
// back, so the request can then be served by this server or another handler
// (proxy --mode replay-or-record).
func (s *Server) Holds(r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return false
	}
	in := &incoming{method: r.Method, path: r.URL.Path, query: q, body: body}
	in.bodyJSON, in.isJSON = parseJSON(body)
	for _, rec := range s.recs {
		if rec.difference(in, s.opts.BodyAny) == "" {
			return true
		}
	}
	return false
}
