package assert

import (
	"net/http"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Checking one stream from start to end: the events through a contract's
// checker, the raw view through the generic SSE checks, the response
// headers through the contract's header rules, and --contract auto's choice
// of contract. A StreamCheck takes the stream as it arrives and keeps only
// what the rules need and a bounded window of events for the report, so
// that a stream of any length is checked in bounded memory.

// Meta is what is known of a stream besides its events.
type Meta struct {
	// Name is the report's target.
	Name string
	// Status and ContentType are the response's; 0 and "" when unknown (a
	// raw file).
	Status      int
	ContentType string
	// Path is the request path, for auto's choice; "" for a raw file.
	Path string
	// Header is the recorded response header, for the header rules; nil
	// when unknown.
	Header http.Header
	// AutoWindow, when > 0, is how many events auto looks at before it
	// chooses (AutoWindow when 0): a live check chooses early, so that it
	// can report broken rules as they happen.
	AutoWindow int
}

// AutoWindow is how many events --contract auto looks at before it picks a
// contract (fewer when the stream ends first); they wait, then go through.
const AutoWindow = 1000

// StreamCheck checks one stream as it arrives. Make it with NewStreamCheck;
// give it the raw view with Block (or, when only the events are known, the
// events with Event), then call End.
type StreamCheck struct {
	meta     Meta
	auto     bool
	window   int
	contract *Contract
	checker  Checker
	pending  []Event
	raw      rawCheck
	hasRaw   bool
	n        int
	first    Event
	seen     eventWindow
}

// NewStreamCheck starts checking a stream against c, or, with c nil, the
// contract auto picks from its first AutoWindow events (or its path), else
// the generic SSE checks.
func NewStreamCheck(c *Contract, meta Meta) *StreamCheck {
	s := &StreamCheck{meta: meta, auto: c == nil, window: AutoWindow}
	if meta.AutoWindow > 0 {
		s.window = meta.AutoWindow
	}
	if c != nil {
		s.use(c)
	}
	return s
}

// Block takes the next block of the raw view, at its offset from the request
// (hasAt false when unknown).
func (s *StreamCheck) Block(b sse.Block, at time.Duration, hasAt bool) {
	s.hasRaw = true
	s.raw.block(b)
	if b.Dispatched {
		e := Event{N: s.n + 1, Event: b.Event, At: at, HasAt: hasAt, IDKnown: true}
		for _, l := range b.Lines {
			if l.Kind == sse.ID && !l.Ignored {
				e.HasID = true
			}
		}
		s.Event(e)
	}
}

// Event takes the next event (numbered from 1).
func (s *StreamCheck) Event(e Event) {
	s.n = e.N
	if e.N == 1 {
		s.first = e
	}
	s.seen.add(e)
	if s.checker == nil {
		s.pending = append(s.pending, e)
		// A live check chooses as soon as the events show a preset, so
		// that it reports broken rules as they happen; a file waits for the
		// whole window.
		if len(s.pending) >= s.window || s.meta.AutoWindow > 0 && Detect(s.pending) != nil {
			s.choose()
		}
		return
	}
	s.checker.Event(e)
}

// choose picks the contract of an auto check from the events so far.
func (s *StreamCheck) choose() {
	s.use(Auto(s.pending, s.meta.Path))
	for _, e := range s.pending {
		s.checker.Event(e)
	}
	s.pending = nil
}

func (s *StreamCheck) use(c *Contract) {
	s.contract, s.checker = c, c.New()
}

// Contract is the contract being checked; nil while auto has not chosen.
func (s *StreamCheck) Contract() *Contract { return s.contract }

// Found returns the violations found so far, before End: what --fail-fast
// and a live monitor report as they happen. While auto has not chosen a
// contract it finds nothing.
func (s *StreamCheck) Found() []Violation {
	if s.checker == nil {
		return nil
	}
	return Found(s.checker)
}

// End ends the stream and returns the report.
func (s *StreamCheck) End() *Report {
	if s.checker == nil {
		s.choose()
	}
	r := &Report{Target: s.meta.Name, Contract: s.contract.Name, Auto: s.auto, Events: s.n, Violations: s.checker.End()}
	if s.contract == genericContract {
		// No preset matched (or it was asked for): the checks that need the
		// response and the raw body too.
		var raw []Violation
		if s.meta.Status != 0 || s.meta.ContentType != "" {
			raw = append(raw, checkResponse(s.meta.Status, s.meta.ContentType)...)
		}
		if s.hasRaw {
			raw = append(raw, s.raw.end()...)
		}
		r.Violations = append(raw, r.Violations...)
		if s.auto {
			r.Contract = "generic SSE checks (no preset matched)"
		}
	} else if s.meta.Header != nil {
		var first []Event
		if s.n > 0 {
			first = []Event{s.first}
		}
		r.Violations = append(CheckHeaders(s.contract, s.meta.Header, first), r.Violations...)
	}
	r.window = s.seen.events()
	return r
}

// CheckEvents checks a whole list of events as one stream (a raw file, a
// cassette's interaction): c nil picks the contract as auto does.
func CheckEvents(c *Contract, meta Meta, events []Event) *Report {
	s := NewStreamCheck(c, meta)
	for _, e := range events {
		s.Event(e)
	}
	return s.End()
}

// eventWindow keeps the events a report shows beside a violation: all of
// them while they are few, then the most recent.
type eventWindow struct {
	kept  map[int]Event
	bytes int
	order []int // the numbers kept, oldest first, once over the budget
}

// windowBytes bounds the data of the events a report keeps.
const windowBytes = 4 << 20

func (w *eventWindow) add(e Event) {
	if w.kept == nil {
		w.kept = map[int]Event{}
	}
	w.kept[e.N] = e
	w.order = append(w.order, e.N)
	w.bytes += len(e.Data) + 64
	for w.bytes > windowBytes && len(w.order) > 3 {
		old := w.kept[w.order[0]]
		delete(w.kept, w.order[0])
		w.bytes -= len(old.Data) + 64
		w.order = w.order[1:]
	}
}

func (w *eventWindow) events() map[int]Event { return w.kept }
