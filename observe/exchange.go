package observe

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Exchange is the record of one request a server handled, filled in as it
// goes: when it was read, what matched it, the faults it got and where they
// came from, how many events were sent, how it ended, and the contract
// violations seen. A journal (the control API's) keeps exchanges; the
// server updates them through these methods, which are safe for concurrent
// use, and Snapshot reads one.
type Exchange struct {
	mu sync.Mutex
	ex ExchangeInfo
	// sent counts events apart from mu: it is bumped for every event on
	// the write path (Sent), or set at the end (SetSent).
	sent atomic.Int64
	// live, when set, counts the events sent while the request is open
	// (Counting); guarded by mu.
	live Counter
}

// Counter counts the events an open request has sent (Counting).
type Counter interface{ EventsSent() int }

// ExchangeInfo is an exchange's fields at one moment.
type ExchangeInfo struct {
	At      time.Time
	Session string
	Method  string
	Path    string
	Query   string // the raw query
	Header  http.Header
	Body    []byte
	// Interaction is the matched interaction ("chat.yaml#1"); "" for none.
	Interaction string
	Status      int // 0 until the status is known
	Faults      []SourcedFault
	EventsSent  int
	// Ended is set when the request is over; EndAt and EndReason say when
	// and how.
	Ended      bool
	EndAt      time.Time
	EndReason  string
	Violations []Violation
	// ViolationsDropped counts the broken rules past MaxViolations.
	ViolationsDropped int
	// Stream is the id of the stream that answered it, 0 for none.
	Stream uint64
}

// SourcedFault is a fault applied to a request, with where it came from:
// "request", "armed", "cassette" or "command-line"; ArmedID names the armed
// fault.
type SourcedFault struct {
	Fault   string
	Source  string
	ArmedID string
}

// Violation is a broken contract rule seen on a stream.
type Violation struct {
	Rule     string
	Severity string
	Event    int
	Message  string
}

// NewExchange starts the record of a request read at at. It holds the
// request's own header map and body, not copies: a request costs no copy,
// journaled or not. They must only be read; a journal redacts what it
// shows.
func NewExchange(r *http.Request, session string, body []byte, at time.Time) *Exchange {
	return &Exchange{ex: ExchangeInfo{At: at, Session: session, Method: r.Method, Path: r.URL.Path,
		Query: r.URL.RawQuery, Header: r.Header, Body: body}}
}

// Matched records the interaction that answers the request.
func (x *Exchange) Matched(interaction string, stream uint64) {
	x.mu.Lock()
	x.ex.Interaction, x.ex.Stream = interaction, stream
	x.mu.Unlock()
}

// Answered records the status and the faults of the answer.
func (x *Exchange) Answered(status int, faults []SourcedFault) {
	x.mu.Lock()
	x.ex.Status, x.ex.Faults = status, faults
	x.mu.Unlock()
}

// Counting gives the exchange a count of the events sent that it reads
// while the request is open, so that a server need not call Sent for
// every event; SetSent gives the last count at the end.
func (x *Exchange) Counting(live Counter) {
	x.mu.Lock()
	x.live = live
	x.mu.Unlock()
}

// SetSent records how many events were sent in all.
func (x *Exchange) SetSent(n int) {
	x.sent.Store(int64(n))
	x.mu.Lock()
	x.live = nil
	x.mu.Unlock()
}

// Sent counts one more event sent. It is safe on a nil Exchange.
func (x *Exchange) Sent() {
	if x != nil {
		x.sent.Add(1)
	}
}

// End records that the request is over.
func (x *Exchange) End(at time.Time, reason string) {
	x.mu.Lock()
	if !x.ex.Ended {
		x.ex.Ended, x.ex.EndAt, x.ex.EndReason = true, at, reason
	}
	x.mu.Unlock()
}

// MaxViolations is how many broken rules one exchange keeps: a stream
// that breaks a rule at every event does not grow its record without bound.
// ViolationsDropped counts the rest.
const MaxViolations = 100

// Violate records a broken rule. It is safe on a nil Exchange (it does
// nothing).
func (x *Exchange) Violate(v Violation) {
	if x == nil {
		return
	}
	x.mu.Lock()
	if len(x.ex.Violations) < MaxViolations {
		x.ex.Violations = append(x.ex.Violations, v)
	} else {
		x.ex.ViolationsDropped++
	}
	x.mu.Unlock()
}

// Snapshot returns the exchange as it is now. Its fault and violation
// lists are copies; its header and body are shared, and must only be read.
func (x *Exchange) Snapshot() ExchangeInfo {
	x.mu.Lock()
	defer x.mu.Unlock()
	ex := x.ex
	ex.EventsSent = int(x.sent.Load())
	if x.live != nil {
		ex.EventsSent = x.live.EventsSent()
	}
	ex.Faults = append([]SourcedFault(nil), ex.Faults...)
	ex.Violations = append([]Violation(nil), ex.Violations...)
	return ex
}

// Journal is told of every request a server reads.
type Journal interface {
	Record(x *Exchange)
}

// Keep lets a journal that keeps the exchange see its header, body and
// query as read, and replace the body it holds (with a shorter copy: a
// journal bounds what it keeps). The header and query must only be read:
// the header is the request's own map.
func (x *Exchange) Keep(fn func(h http.Header, body []byte, query string) []byte) {
	x.mu.Lock()
	x.ex.Body = fn(x.ex.Header, x.ex.Body, x.ex.Query)
	x.mu.Unlock()
}
