// Package replayer serves cassettes as a mock SSE server: it matches each
// request to a recorded interaction, then sends the recorded response with
// its bytes, chunk boundaries and pacing (or a pacing the caller chooses).
//
// A Server is an http.Handler. Per-session counters give identical requests
// the recorded responses in order; a request with Last-Event-ID resumes a
// stream after that event. Every response is first built as a plan (chunks
// with due times, fault.Plan) that faults can change before anything is
// written; the transport then writes it, taking HTTP/1.1 streams over from
// net/http so that thousands of paced streams cost no goroutine each, and
// keeping connections alive between streams. An observer sees every event
// as it is sent. Interactions can be added and removed while serving (Add,
// Remove), and open streams listed, released and ended (Streams): the
// control API (replayer/control) is built on these.
//
// It does not record and does not check contracts: those are the recorder
// and assert packages, which plug in through the observer.
package replayer

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/observe"
	"github.com/ssetape/ssetape/replayer/fault"
	"github.com/ssetape/ssetape/replayer/internal/transport"
)

// MaxRequestBody is the largest request body the server reads; a larger one
// gets 413.
const MaxRequestBody = cassette.MaxRequestBody

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
	Observer observe.Observer
	// Faults apply to every request whose interaction and request name
	// none (--fault). Make them with fault.Parse.
	Faults []*fault.Spec
	// Armed, when set, gives the faults armed at run time (the control
	// API); they rank between the request's own and the cassette's.
	Armed ArmedFaults
	// Journal, when set, is told of every request as it is read and as it
	// goes on (the control API's journal).
	Journal observe.Journal
	// MaxSessions bounds the sessions whose counters are kept (0: 10,000):
	// past it, the least recently used session's counters are dropped.
	MaxSessions int
	// Limits bound what the faults of one request may plan (zero:
	// fault.DefaultLimits).
	Limits fault.Limits
}

// Server serves cassettes. Create it with New.
type Server struct {
	opts Options
	log  *slog.Logger
	// cat holds the interactions; Add and Remove replace it whole, under
	// addMu, so that requests read it without a lock.
	cat   atomic.Pointer[catalog]
	addMu sync.Mutex
	// Under addMu: how many cassettes were added (their ids), and the
	// index of the next interaction (never reused).
	addSeq   uint64
	indexes  int
	sessions *sessions
	streams  openStreams
	tr       *transport.Transport
	seq      atomic.Uint64 // stream ids
	warnEdit []string
}

// New prepares cassettes for serving. It fails for a stream that cannot be
// encoded, for an edited recording with Strict, for a recorded path whose
// query cannot be read, and for a cassette's fault spec that does not
// parse.
func New(sources []Source, opts Options) (*Server, error) {
	if opts.Limits == (fault.Limits{}) {
		opts.Limits = fault.DefaultLimits
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.sessions = newSessions(opts.MaxSessions, s.log)
	s.tr = transport.New(s.log)
	base, err := s.newGroup("", "", sources, 0)
	if err != nil {
		return nil, err
	}
	for _, r := range base.recs {
		if r.prep != nil && r.prep.edited {
			s.warnEdit = append(s.warnEdit, r.label)
		}
	}
	s.indexes = len(base.recs)
	s.cat.Store(&catalog{groups: []*group{base}})
	return s, nil
}

// Edited lists the recorded streams whose entries were edited after
// recording (served from the entries): for a start-up warning.
func (s *Server) Edited() []string { return s.warnEdit }

// Interactions is how many interactions the server holds now.
func (s *Server) Interactions() int { return s.cat.Load().count() }

// Close ends every stream being sent (cleanly: the end of the body, then
// the connection closes), held ones included, and makes new requests fail
// with 503. It returns when the streams it took over from net/http have
// ended, and closes the connections it kept alive after their streams (idle
// ones at once, those serving a request within 200 ms): an http.Server's
// Shutdown does not see those. It does not close listeners: that is the
// http.Server's job.
func (s *Server) Close() { s.tr.Close() }

// Lateness reports how late the writes made so far were against their
// schedule (streams sent over HTTP/1.1).
func (s *Server) Lateness() Lateness { return s.tr.Lateness() }

// Lateness says how closely the server kept the schedule of the streams it
// wrote: how late each write was against the time it was due.
type Lateness = transport.Lateness

// Reset clears the counters of one session, or of all when session is "".
func (s *Server) Reset(session string) { s.sessions.reset(session) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.tr.Closed():
		http.Error(w, "ssetape: the replay server is shutting down", http.StatusServiceUnavailable)
		return
	default:
	}
	if s.opts.CORS != "" {
		s.cors(w, r)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			x := s.begin(r, "", nil)
			w.WriteHeader(http.StatusNoContent)
			closeExchange(x, http.StatusNoContent, "preflight")
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/__ssetape/") {
		s.control(w, r)
		return
	}
	s.serveRequest(w, r)
}
