package assert

import (
	"slices"
	"strings"
)

// The agent preset: the seed's agent protocol (docs/contracts.md, "agent"), `event:
// <type>` with `data: {"type": "<type>", ...}`. Both payload shapes are
// accepted: tool calls and results paired by id when they carry one, else by
// tool or name, in order. A trailing `data: [DONE]` (which the seed's server
// may send and its client skips) is a warning.
var (
	agt1 = Rule{"AGT-1", Error, "done comes exactly once, and it is the last event"}
	agt2 = Rule{"AGT-2", Error, "every event has an event name equal to data.type, from the protocol's types"}
	agt3 = Rule{"AGT-3", Error, "error at most once, immediately followed by done"}
	agt4 = Rule{"AGT-4", Error, "every tool_result answers an earlier open tool_call; every tool_call gets exactly one tool_result before final_answer or done, unless an error occurred"}
	agt5 = Rule{"AGT-5", Error, "final_answer at most once; after it only done"}
	agt6 = Rule{"AGT-6", Warning, "the text_delta contents add up to final_answer's content (a design option)"}
	agt7 = Rule{"AGT-7", Error, "no final_answer on the error path, and done says status error after an error"}
	// agtDone is the trailing data: [DONE] sentinel, tolerated.
	agtDone = Rule{"AGT-2", Warning, "a trailing data: [DONE] is tolerated"}
)

var agentTypes = []string{"thinking", "text_delta", "tool_call", "tool_result", "final_answer", "error", "done"}

// Agent is the agent preset.
var agentContract = &Contract{
	Name:  "agent",
	New:   func() Checker { return &agentChecker{} },
	Rules: []Rule{agt1, agt2, agt3, agt4, agt5, agt6, agt7},
}

type toolCall struct {
	key      string // for messages
	id, name string // its id, and its tool or name
	event    Event
	reported bool
}

type agentChecker struct {
	out      []Violation
	last     Event
	done     int // the event number of the first done
	errorAt  int
	errorEv  Event
	final    int
	finalEv  Event
	finalTxt string
	deltas   strings.Builder
	calls    []*toolCall // the open ones, oldest first
	sentinel Event       // a [DONE] seen, waiting to know whether it is last
}

func (c *agentChecker) add(v Violation) { c.out = append(c.out, v) }

func (c *agentChecker) Event(e Event) {
	if c.sentinel.N > 0 {
		c.add(violation(agt2, c.sentinel, "data: [DONE] is not an event of the protocol; only a trailing one is tolerated"))
		c.sentinel = Event{}
	}
	c.last = e
	if e.Data == "[DONE]" {
		c.sentinel = e
		return
	}
	c.agt1AfterDone(e)
	f := readFields(e.Data)
	typ := c.agt2Type(e, f)
	if c.errorAt > 0 && e.N == c.errorAt+1 && typ != "done" {
		c.add(violation(agt3, e, "%s right after error (event %d); expected done", typ, c.errorAt))
	}
	if c.final > 0 && typ != "done" && c.done == 0 {
		c.add(violation(agt5, e, "%s after final_answer (event %d); expected only done", typ, c.final))
	}
	switch typ {
	case "text_delta":
		if c.final == 0 { // AGT-6 compares the deltas before final_answer
			c.deltas.WriteString(f.contentText())
		}
	case "tool_call":
		key, name := f.toolKey()
		c.calls = append(c.calls, &toolCall{key: key, id: f.id, name: name, event: e})
	case "tool_result":
		c.agt4Result(e, f)
	case "final_answer":
		c.agt5Final(e, f)
	case "error":
		c.agt3Error(e)
	case "done":
		c.agt7Done(e, f)
	}
}

// agt1AfterDone: nothing after done, and done once.
func (c *agentChecker) agt1AfterDone(e Event) {
	if c.done == 0 {
		return
	}
	if e.Type == "done" {
		c.add(violation(agt1, e, "done again (the first was event %d): done comes exactly once", c.done))
	} else {
		c.add(violation(agt1, e, "an event after done (event %d): done must be the last event", c.done))
	}
}

// agt2Type checks an event's name against its data.type and the protocol's
// types, and returns its type.
func (c *agentChecker) agt2Type(e Event, f fields) string {
	dataType := ""
	switch {
	case !f.valid:
		c.add(violation(agt2, e, "the data is not a JSON object, so it has no type"))
	case f.has&hasType == 0:
		c.add(violation(agt2, e, "the data has no \"type\" field; expected {\"type\": %q, ...}", e.TypeName()))
	default:
		dataType = f.typ
	}
	typ := e.Type
	switch {
	case e.Type == "":
		c.add(violation(agt2, e, "no event: line; expected event: %s", orUnknown(dataType)))
		typ = dataType
	case dataType != "" && e.Type != dataType:
		c.add(violation(agt2, e, "event name %q but data.type %q; they must be equal", e.Type, dataType))
	}
	if !slices.Contains(agentTypes, typ) {
		c.add(violation(agt2, e, "%q is not a type of the protocol; expected one of %s", typ, strings.Join(agentTypes, ", ")))
	}
	return typ
}

// contentText is the content field: a string's value, else its raw JSON.
func (f fields) contentText() string {
	if f.has&hasContent == 0 {
		return f.contentRaw
	}
	return f.content
}

// toolKey is how a tool call or result is paired (id, else tool, else
// name) and its tool's name.
func (f fields) toolKey() (key, name string) {
	name = f.name
	if f.has&hasTool != 0 {
		name = f.tool
	}
	switch {
	case f.has&hasID != 0:
		key = "id " + f.id
	case f.has&hasTool != 0:
		key = "tool " + f.tool
	case f.has&hasName != 0:
		key = "name " + f.name
	}
	return key, name
}

// agt4Result pairs a tool_result with an open tool_call: by id when both
// carry one, else by tool or name, in order.
func (c *agentChecker) agt4Result(e Event, f fields) {
	key, name := f.toolKey()
	// c.calls holds only the calls still open, oldest first: an answered
	// one leaves it, so that a long stream's pairing costs what its open
	// calls cost, not all the calls it made.
	for i, tc := range c.calls {
		if (tc.id != "" && f.id != "" && tc.id == f.id) || ((tc.id == "" || f.id == "") && name != "" && tc.name == name) {
			c.calls = slices.Delete(c.calls, i, i+1)
			return
		}
	}
	c.add(violation(agt4, e, "a tool_result (%s) with no open tool_call; expected an earlier tool_call with that %s", orUnknown(key), strings.SplitN(key+" ", " ", 2)[0]))
}

// agt5Final: final_answer at most once, never on the error path.
func (c *agentChecker) agt5Final(e Event, f fields) {
	if c.final > 0 {
		c.add(violation(agt5, e, "final_answer again (the first was event %d); final_answer comes at most once", c.final))
	} else {
		c.final, c.finalEv, c.finalTxt = e.N, e, f.contentText()
	}
	if c.errorAt > 0 {
		c.add(violation(agt7, e, "final_answer after an error (event %d); the error path has no final_answer", c.errorAt))
	}
	c.unanswered("final_answer")
}

// agt3Error: error at most once, never after final_answer.
func (c *agentChecker) agt3Error(e Event) {
	if c.errorAt > 0 {
		c.add(violation(agt3, e, "error again (the first was event %d); error comes at most once", c.errorAt))
	} else {
		c.errorAt, c.errorEv = e.N, e
	}
	if c.final > 0 {
		c.add(violation(agt7, e, "error after final_answer (event %d): a final_answer on the error path", c.final))
	}
}

// agt7Done: the first done; after an error, a done that gives a status says
// error.
func (c *agentChecker) agt7Done(e Event, f fields) {
	if c.done == 0 {
		c.done = e.N
	}
	// The article's done has no status; one that says one must say error.
	if c.errorAt > 0 && f.has&hasStatus != 0 && f.status != "error" {
		c.add(violation(agt7, e, "done with status %q after an error (event %d); expected status \"error\"", f.status, c.errorAt))
	}
	c.unanswered("done")
}

// unanswered reports the tool calls still open at final_answer or done,
// unless an error occurred.
func (c *agentChecker) unanswered(at string) {
	if c.errorAt > 0 {
		return
	}
	for _, tc := range c.calls {
		if !tc.reported {
			tc.reported = true
			c.add(violation(agt4, tc.event, "this tool_call (%s) got no tool_result before %s", orUnknown(tc.key), at))
		}
	}
}

func (c *agentChecker) End() []Violation {
	if c.sentinel.N > 0 {
		if c.done > 0 {
			c.add(violation(agtDone, c.sentinel, "a trailing data: [DONE] after done, which the seed's client skips"))
		} else {
			c.add(violation(agt2, c.sentinel, "data: [DONE] is not an event of the protocol"))
		}
	}
	if c.done == 0 {
		e := c.last
		c.add(violation(agt1, e, "the stream ended without done; done must come exactly once, last"))
		c.unanswered("the end")
		if c.errorAt > 0 && c.last.N == c.errorAt {
			c.add(violation(agt3, c.errorEv, "the stream ended right after error (event %d); expected done", c.errorAt))
		}
	}
	if c.final > 0 && c.errorAt == 0 && c.deltas.Len() > 0 && c.deltas.String() != c.finalTxt {
		c.add(violation(agt6, c.finalEv, "the text_delta contents add up to %q, final_answer says %q", excerpt(c.deltas.String(), 50), excerpt(c.finalTxt, 50)))
	}
	slices.SortStableFunc(c.out, func(a, b Violation) int { return a.Event - b.Event })
	return c.out
}

func orUnknown(s string) string {
	if s == "" {
		return "no id, tool or name"
	}
	return s
}

// LooksLikeAgent reports whether a stream looks like the agent protocol:
// most of its events are named, or typed in their data, with the protocol's
// types. It is how --contract auto chooses the agent preset.
func LooksLikeAgent(events []Event) bool {
	if len(events) == 0 {
		return false
	}
	hits := 0
	for _, e := range events {
		t := e.Type
		if t == "" {
			t = readFields(e.Data).typ
		}
		if t == "error" && anthropicError(e.Data) {
			continue // Anthropic's error event, not the agent protocol's
		}
		if slices.Contains(agentTypes, t) {
			hits++
		}
	}
	return hits*2 > len(events)
}

// anthropicError reports whether data is Anthropic's error shape, an
// "error" object inside: {"type":"error","error":{"type":...,"message":...}}.
func anthropicError(data string) bool {
	var o map[string]any
	return jsonUnmarshal(data, &o) == nil && obj(o["error"]) != nil
}

func (c *agentChecker) found() []Violation { return append([]Violation(nil), c.out...) }
