// Package assert checks event-order contracts over SSE streams: rules such
// as "done comes exactly once, last" or "every tool_call gets its
// tool_result", reported with the rule's ID, the event (number, offset, type,
// an excerpt of its data) and what was expected there.
//
// A Checker takes events one at a time and judges each rule as soon as the
// events decide it (Found shows what it found so far); only rules that need
// the end of the stream ("done is last") wait for End. So the same code
// checks a file and a live stream as it arrives, and stops a live check at
// the first broken rule. A checker keeps what its rules still need, not the
// stream. StreamCheck adds the raw view, the response headers and auto's
// choice for one stream; Monitor checks every stream a server sends.
//
// It does not read files or talk to servers: callers decode events (with the
// sse package) and feed them in.
package assert

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ssetape/ssetape/sse"
)

// Severity says whether a violation fails a check.
type Severity string

// The severities: an error fails the check (exit status 1); a warning is
// reported and does not.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Event is one event of a stream as a checker sees it.
type Event struct {
	// N is the event's number, from 1, as every ssetape command numbers it.
	N int
	sse.Event
	// At is the event's offset from the request, when known (HasAt).
	At    time.Duration
	HasAt bool
	// HasID says the event's own block carried an id: field (not only the
	// last event ID it inherits), when IDKnown (the raw view was read).
	HasID, IDKnown bool
}

// TypeName is the event's type for contracts: its SSE event name, or
// sse.DefaultType when it has none.
func (e Event) TypeName() string { return sse.TypeName(e.Type) }

// Violation is one broken rule.
type Violation struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Event is the event where the rule broke (0: the stream as a whole,
	// such as an end without done, which points at the last event).
	Event   int    `json:"event"`
	At      string `json:"at,omitempty"`
	Offset  int64  `json:"offset"`
	Type    string `json:"type,omitempty"`
	Excerpt string `json:"excerpt,omitempty"`
	// Message says what was wrong and what was expected there.
	Message string `json:"message"`
}

// Checker checks a stream one event at a time.
type Checker interface {
	// Event takes the next event.
	Event(e Event)
	// End is called once at the end of the stream and returns every
	// violation found, in the order of the events.
	End() []Violation
}

// Found returns the violations a checker has found so far, before End:
// for --fail-fast on a live stream. Both the presets and contract files
// implement it.
func Found(c Checker) []Violation {
	if f, ok := c.(interface{ found() []Violation }); ok {
		return f.found()
	}
	return nil
}

// Contract makes a fresh Checker for each stream.
type Contract struct {
	Name  string
	New   func() Checker
	Rules []Rule // the rules it checks, for documentation and reports
}

// Rule is a rule a contract checks.
type Rule struct {
	ID       string
	Severity Severity
	Text     string
}

// Report is the result of checking one stream.
type Report struct {
	Target     string      `json:"target"`
	Contract   string      `json:"contract"`
	Auto       bool        `json:"auto,omitempty"` // the contract was chosen by --contract auto
	Events     int         `json:"events"`
	Violations []Violation `json:"violations"`
	// window keeps events (all of them, or the most recent when the stream
	// is long), so that a report can show an offending event's neighbours.
	window map[int]Event
}

// Event returns event n of the stream, when the report kept it.
func (r *Report) Event(n int) (Event, bool) {
	e, ok := r.window[n]
	return e, ok
}

// Errors counts the violations that fail the check.
func (r *Report) Errors() int {
	n := 0
	for _, v := range r.Violations {
		if v.Severity == Error {
			n++
		}
	}
	return n
}

// Passed reports whether the stream kept its contract (warnings allowed).
func (r *Report) Passed() bool { return r.Errors() == 0 }

// Check runs a contract over a whole list of events.
func Check(c *Contract, target string, events []Event) *Report {
	ch := c.New()
	for _, e := range events {
		ch.Event(e)
	}
	r := &Report{Target: target, Contract: c.Name, Events: len(events), Violations: ch.End(), window: map[int]Event{}}
	for _, e := range events {
		r.window[e.N] = e
	}
	return r
}

// violation builds a Violation at an event.
func violation(rule Rule, e Event, format string, args ...any) Violation {
	v := Violation{Rule: rule.ID, Severity: rule.Severity, Event: e.N, Offset: e.Start, Type: e.TypeName(),
		Excerpt: excerpt(e.Data, 60), Message: fmt.Sprintf(format, args...)}
	if e.HasAt {
		v.At = e.At.Round(time.Microsecond).String()
	}
	if e.N == 0 {
		v.Type = ""
	}
	return v
}

// excerpt shortens data to one line of at most n characters.
func excerpt(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
