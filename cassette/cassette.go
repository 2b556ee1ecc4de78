// Package cassette is the cassette model of ssetape: YAML files of recorded
// (or hand-written) HTTP interactions whose responses are SSE streams.
//
// It loads cassettes strictly (unknown keys, wrong types and newer versions are
// errors that name the file, line, column and key, with a hint), validates
// them, saves them deterministically (save(load(save(x))) == save(x), byte for
// byte), and converts between the two views of a stream: the chunks that went
// over the wire with their offsets, and the editable list of entries.
//
// It does not record, serve or check contracts: those are the recorder,
// replayer and assert packages, which build on this one. The format is
// documented in docs/cassette-format.md.
package cassette

import (
	"net/textproto"
	"sort"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Version is the cassette format version this package reads and writes.
const Version = 1

// Cassette is a named list of interactions.
type Cassette struct {
	Version      int
	Name         string
	Interactions []*Interaction
	// File is where the cassette was loaded from ("" when built in code);
	// it is not saved.
	File string
}

// Interaction is one request and its response, with optional matching hints
// and faults.
type Interaction struct {
	Request  Request
	Match    Match
	Faults   []string
	Response Response
	// Line is the line of the interaction in its file (0 when built in code),
	// for messages about it; FaultLines the line of each of its faults.
	Line       int
	FaultLines []int
}

// Request is the request as sent.
type Request struct {
	Method string
	// Path is the path with its query, as sent ("/v1/chat?x=1").
	Path    string
	Headers Headers
	Body    []byte
}

// Response is the response: status, headers and either a stream of entries
// (with, when recorded, the exact wire bytes) or a plain body.
type Response struct {
	Status  int
	Headers Headers
	// HeadersAt is when the headers arrived, measured from the moment the
	// request was sent.
	HeadersAt time.Duration
	// Entries is the editable view of an SSE stream.
	Entries []Entry
	// Body is the body of a response that is not a stream (a JSON answer, an
	// error page). A response has Entries or Body, not both.
	Body []byte
	// End says how the response ended, when known.
	End *End
	// Wire holds the exact bytes of a recorded stream.
	Wire *Wire
	// Synth, when set, is the synth: block the entries were made from at
	// load; Save writes it, not the entries.
	Synth *Synth
}

// IsStream reports whether the response is an SSE stream (it has entries or
// a wire section). Whether to stream is decided by the recorded response,
// never by the request's Accept header.
func (r *Response) IsStream() bool { return r.Entries != nil || r.Wire != nil }

// Entry is one item of a stream: an event, a comment, a retry, an id-only
// block, or raw bytes. Fields that are set are written together as one block
// in the order comment, id, event, data, retry.
type Entry struct {
	// At is when the entry is sent, from the moment the request was sent.
	At time.Duration
	// Comment is written as ": " lines ("" for none).
	Comment string
	ID      string
	HasID   bool
	Event   string
	// Data is the event's data; HasData false means no data line, so the
	// block fires no event (an id-only block, a comment, a data-less named
	// event such as LangServe's end).
	Data    string
	HasData bool
	Retry   time.Duration
	// HasRetry says a retry line is written.
	HasRetry bool
	// Raw is sent exactly as it is and is exclusive with the other fields:
	// it holds what a stream sent that is not a complete block (the
	// unterminated end of a stream that was cut).
	Raw string
	// Line is the entry's line in its file (0 when built in code).
	Line int
}

// Kind names what the entry is: "event", "comment", "id", "retry", "raw",
// or "block" for a data-less block with an event type.
func (e *Entry) Kind() string {
	switch {
	case e.Raw != "":
		return "raw"
	case e.HasData:
		return "event"
	case e.HasID:
		return "id"
	case e.HasRetry:
		return "retry"
	case e.Event != "":
		return "block"
	}
	return "comment"
}

// Message returns the entry as an sse.Message.
func (e *Entry) Message() sse.Message {
	return sse.Message{
		Comment: e.Comment, ID: e.ID, HasID: e.HasID, Event: e.Event,
		Data: e.Data, HasData: e.HasData, Retry: e.Retry, HasRetry: e.HasRetry,
	}
}

// End says how a response ended.
type End struct {
	At     time.Duration
	Reason Reason
	// Error is the error text, for Reason error.
	Error string
}

// Reason is how a stream ended.
type Reason string

// The reasons a stream ends.
const (
	EOF          Reason = "eof"           // the server ended the body
	Reset        Reason = "reset"         // the connection was reset
	Timeout      Reason = "timeout"       // a time limit of the recorder ran out
	ClientClosed Reason = "client-closed" // the client went away
	Interrupted  Reason = "interrupted"   // Ctrl-C while recording
	Failed       Reason = "error"         // another error; End.Error says which
)

var reasons = []Reason{EOF, Reset, Timeout, ClientClosed, Interrupted, Failed}

// Wire is the exact body of a recorded stream: the chunks as they arrived,
// the line ending to use when the entries have to be encoded instead, and a
// checksum of the entries as recorded, which tells whether they were edited.
type Wire struct {
	LineEnding sse.LineEnding
	Checksum   string
	Chunks     []Chunk
	// Redacted says that secrets were removed from the chunks, which are
	// then no longer the bytes that went over the wire.
	Redacted bool
}

// Chunk is one piece of the body as it went over the wire, with its offset
// from the moment the request was sent.
type Chunk struct {
	At   time.Duration
	Data []byte
}

// Headers maps canonical header names to their values, repeated headers
// (Set-Cookie) kept in order.
type Headers map[string][]string

// Get returns the first value of the header named key (any case).
func (h Headers) Get(key string) string {
	if v := h[textproto.CanonicalMIMEHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Keys returns the header names, sorted.
func (h Headers) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Redacted is what a redacted value is replaced with, in every part of a
// cassette. The replayer matches a redacted value in a request (a header, a
// query parameter, a JSON body value) with any value.
const Redacted = "REDACTED"

// HopHeaders are the headers a cassette never keeps, and a replay and a
// proxy never pass on: those a server or a connection sets itself (framing,
// the connection, the date). Content-Encoding is among them because bodies
// are kept decoded: the recorder lets Go's transport ask for and decode
// compression itself, and the replayer sends the decoded bytes.
var HopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Te", "Trailer",
	"Content-Length", "Content-Encoding", "Date"}

// IsHopHeader reports whether a canonical header name is one of HopHeaders.
func IsHopHeader(name string) bool {
	for _, h := range HopHeaders {
		if h == name {
			return true
		}
	}
	return false
}

// MaxRequestBody is the largest request body a cassette holds, and the most
// the replay server and the proxy read of one: a larger one gets 413.
const MaxRequestBody = 10 << 20
