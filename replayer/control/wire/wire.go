// Package wire holds the JSON shapes of the control API: the bodies its
// routes take and the answers they give (docs/control-api.yaml). The
// server (replayer/control) and its Go client (controlclient) both use
// them, so the two cannot drift apart.
package wire

import "encoding/json"

// Error is the body of every error answer: what is wrong, the field of the
// request it is in (for 400), and for a refused cassette every problem.
type Error struct {
	Error    string    `json:"error"`
	Field    string    `json:"field,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// Problem is one problem of a refused cassette, where it is in the body.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Health is GET /__ssetape/health.
type Health struct {
	Status       string `json:"status"`
	Interactions int    `json:"interactions"`
	Streams      int    `json:"streams"` // open now
	Journal      int    `json:"journal"` // entries kept
}

// Reset is POST /__ssetape/reset's body and answer.
type Reset struct {
	Session *string `json:"session,omitempty"`
}

// ResetDone is what a reset cleared: "all" or "session".
type ResetDone struct {
	Reset   string `json:"reset"`
	Session string `json:"session"`
}

// Arm is POST /__ssetape/faults's body. Session, Method and Path left out
// match any; Times defaults to 1, 0 is until disarmed.
type Arm struct {
	Fault   string  `json:"fault"`
	Session *string `json:"session,omitempty"`
	Method  string  `json:"method,omitempty"`
	Path    string  `json:"path,omitempty"`
	Times   *int    `json:"times,omitempty"`
}

// ArmedFault is one armed fault in GET /__ssetape/faults.
type ArmedFault struct {
	ID      string  `json:"id"`
	Fault   string  `json:"fault"`
	Session *string `json:"session"`
	Method  *string `json:"method"`
	Path    *string `json:"path"`
	Times   int     `json:"times"`
	// TimesLeft is null for a fault armed until disarmed.
	TimesLeft *int `json:"times_left"`
}

// Faults is GET /__ssetape/faults.
type Faults struct {
	Faults []ArmedFault `json:"faults"`
}

// ID is an answer that names what was made: an armed fault, an added
// cassette (with its interactions).
type ID struct {
	ID           string `json:"id"`
	Interactions *int   `json:"interactions,omitempty"`
}

// Stream is one open stream in GET /__ssetape/streams.
type Stream struct {
	ID          string `json:"id"`
	Session     string `json:"session"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Interaction string `json:"interaction"`
	EventsSent  int    `json:"events_sent"`
	EventsTotal int    `json:"events_total"`
	// State is "open" or "held".
	State string `json:"state"`
	// NextType is the type of the next event not yet fully sent; null
	// when none is left.
	NextType *string `json:"next_type"`
}

// Streams is GET /__ssetape/streams.
type Streams struct {
	Streams []Stream `json:"streams"`
}

// Release is the body of a release: {} sends what follows up to the next
// hold point. All ignores later hold points; Events sends that many more
// events and holds; Until ("T", {"type": T, "type_from": P} or {"data":
// TEXT}) sends up to the next matching event after the held one. Speed is a
// number or "max".
type Release struct {
	All    bool            `json:"all,omitempty"`
	Events *int            `json:"events,omitempty"`
	Until  json.RawMessage `json:"until,omitempty"`
	Speed  json.RawMessage `json:"speed,omitempty"`
}

// End is the body of an end: How "close" (the default) or "reset".
type End struct {
	How string `json:"how,omitempty"`
}

// Bulk selects the streams of a bulk release or end.
type Bulk struct {
	Session *string `json:"session,omitempty"`
	State   string  `json:"state,omitempty"`
}

// Released and Ended list the streams a release or an end acted on.
type Released struct {
	Released []string `json:"released"`
}

// Ended lists the streams an end acted on.
type Ended struct {
	Ended []string `json:"ended"`
}

// Request is one journal entry in GET /__ssetape/requests.
type Request struct {
	ID      string              `json:"id"`
	At      string              `json:"at"` // RFC 3339 with nanoseconds
	Session string              `json:"session"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	Headers map[string][]string `json:"headers"`
	// Body is a string (UTF-8), or {"base64": ...} for other bytes.
	Body          any     `json:"body"`
	BodyTruncated bool    `json:"body_truncated,omitempty"`
	Interaction   *string `json:"interaction"`
	Stream        *string `json:"stream"`
	Status        *int    `json:"status"`
	Faults        []Fault `json:"faults"`
	EventsSent    int     `json:"events_sent"`
	// End is null while the request is open.
	End               *RequestEnd `json:"end"`
	Violations        []Violation `json:"violations"`
	ViolationsDropped int         `json:"violations_dropped,omitempty"`
}

// Fault is a fault a request got, with where it came from: "request",
// "armed", "cassette" or "command-line".
type Fault struct {
	Fault   string  `json:"fault"`
	Source  string  `json:"source"`
	ArmedID *string `json:"armed_id"`
}

// RequestEnd says when and how a request ended.
type RequestEnd struct {
	At     string `json:"at"`
	Reason string `json:"reason"`
}

// Violation is a broken contract rule seen on the request's stream.
type Violation struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Event    int    `json:"event"`
	Message  string `json:"message"`
}

// Requests is GET /__ssetape/requests.
type Requests struct {
	Requests []Request `json:"requests"`
}

// Count is the answer of a route that removes things: how many.
type Count struct {
	Disarmed *int    `json:"disarmed,omitempty"`
	Cleared  *int    `json:"cleared,omitempty"`
	Removed  *string `json:"removed,omitempty"`
}
