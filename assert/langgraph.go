package assert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The langgraph preset: LangGraph Platform streams (LG-*) and the
// astream_events v2 payloads of its events mode (LCE-*), docs/contracts.md, "langgraph".
// LG-1's run_id/Content-Location match is in CheckHeaders; LG-2's requested
// modes and LG-10's resume need the request, not judged. LG-7 and LG-8 are
// inferred and observed behaviour: warnings.
var (
	lg1  = Rule{"LG-1", Error, "exactly one metadata event, first"}
	lg2  = Rule{"LG-2", Error, "each event name (before |) is a stream mode or metadata, error, feedback, end"}
	lg3  = Rule{"LG-3", Error, "data is JSON (null allowed)"}
	lg4  = Rule{"LG-4", Error, "error is terminal"}
	lg5  = Rule{"LG-5", Error, "messages/metadata for a message id before its first messages/partial; the partial content only grows"}
	lg6  = Rule{"LG-6", Error, "messages/complete at most once per id, and no partial for it afterwards"}
	lg9  = Rule{"LG-9", Error, "end, if used, once and last"}
	lg7  = Rule{"LG-7", Warning, "successive values.messages are append-only by id (inferred, for the add_messages reducer without removals)"}
	lg8  = Rule{"LG-8", Warning, "within a super-step, updates come before the values they lead to (observed)"}
	lg10 = Rule{"LG-10", Error, "event ids, if present, unique, and increasing where they are numbers"}
	lce1 = Rule{"LCE-1", Error, "every events payload has event, name, run_id, parent_ids, tags, metadata, data"}
	lce2 = Rule{"LCE-2", Error, "event is on_<runnable>_<start|stream|end>, on_custom_event or on_tool_error"}
	lce3 = Rule{"LCE-3", Error, "per run_id: one _start first, _stream between, one _end (or on_tool_error) last; the runnable kind constant"}
	lce4 = Rule{"LCE-4", Error, "every parent id is open at the event; a child ends before its parent"}
	lce5 = Rule{"LCE-5", Error, "for a whole-graph stream the first payload is the root on_chain_start and the last the root's end"}
	lce6 = Rule{"LCE-6", Error, "the on_chat_model_stream contents of a run add up to its on_chat_model_end output content"}
)

// langGraphContract is the langgraph preset.
var langGraphContract = &Contract{
	Name:  "langgraph",
	New:   func() Checker { return newLangGraphChecker() },
	Rules: []Rule{lg1, lg2, lg3, lg4, lg5, lg6, lg7, lg8, lg9, lg10, lce1, lce2, lce3, lce4, lce5, lce6},
}

var lgModes = []string{"values", "updates", "messages", "messages-tuple", "events", "debug", "tasks", "checkpoints", "custom",
	"metadata", "error", "feedback", "end", "messages/partial", "messages/complete", "messages/metadata"}

var lceName = regexp.MustCompile(`^on_(chat_model|llm|chain|tool|retriever|prompt)_(start|stream|end)$`)

func lgMode(e jsonEvent) string {
	mode, _, _ := strings.Cut(e.Type, "|")
	return mode
}

// messageText is the text of a message snapshot (string content, or the
// text parts of a list).
func messageText(m map[string]any) string {
	switch c := m["content"].(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, p := range c {
			if t, ok := str(obj(p)["text"]); ok {
				b.WriteString(t)
			}
		}
		return b.String()
	}
	return ""
}

// lgChecker checks a LangGraph stream as it comes.
type lgChecker struct {
	base
	ids     *eventIDs
	first   Event
	metas   int
	errorAt int
	endAt   int
	// LG-5, LG-6: the messages, by id
	metaFor  map[string]bool
	partial  map[string]string
	complete map[string]int
	// LG-7, LG-8
	hasUpdates    bool
	prevIDs       []string
	seenValues    bool
	updatesSince  bool
	valuesNoSteps []Event // values events with no updates before them: LG-8 if the stream carries updates
	// LCE-*
	payloads int
	firstPay jsonEvent
	lastPay  jsonEvent
	runs     map[string]*lgRun
	runOrder []string
	streamed map[string]*strings.Builder
}

type lgRun struct {
	kind  string
	ended bool
}

func newLangGraphChecker() *lgChecker {
	return &lgChecker{ids: newEventIDs(lg10, true), metaFor: map[string]bool{}, partial: map[string]string{}, complete: map[string]int{},
		runs: map[string]*lgRun{}, streamed: map[string]*strings.Builder{}}
}

func (c *lgChecker) Event(ev Event) {
	e := c.parse(ev)
	if c.n == 1 {
		c.first = e.Event
	}
	mode := lgMode(e)
	if !slices.Contains(lgModes, mode) {
		c.add(lg2, e.Event, "event %q is not a stream mode", excerpt(e.Type, 40))
	}
	if e.obj == nil && e.Data != "null" && !validJSON(e.Data) {
		c.add(lg3, e.Event, "the data is not JSON")
	}
	c.ids.check(&c.base, e.Event)
	c.lg4lg9Terminal(e)
	c.lg7lg8Steps(e)
	switch mode {
	case "metadata":
		c.metas++
		if c.metas > 1 {
			c.add(lg1, e.Event, "metadata again; it comes exactly once")
		} else if c.n > 1 {
			c.add(lg1, e.Event, "metadata is not the first event")
		}
	case "error":
		if c.errorAt == 0 {
			c.errorAt = e.N
		}
	case "end":
		if c.endAt > 0 {
			c.add(lg9, e.Event, "end again")
		}
		c.endAt = e.N
	case "messages/metadata":
		for id := range e.obj {
			c.metaFor[id] = true
		}
	case "messages/partial", "messages/complete":
		c.lg5lg6Messages(e, mode)
	case "events":
		c.lceEvents(e)
	}
}

func (c *lgChecker) End() []Violation {
	if c.hasUpdates {
		for _, e := range c.valuesNoSteps {
			c.add(lg8, e, "values with no updates since the previous values; a super-step's updates come first")
		}
	}
	if c.payloads > 0 {
		c.lce5Last()
	}
	if c.metas == 0 && c.n > 0 {
		c.add(lg1, c.first, "no metadata event; the stream starts with %s", excerpt(c.first.Type, 40))
	}
	if c.errorAt == 0 {
		for _, id := range c.runOrder {
			if !c.runs[id].ended {
				c.add(lce3, c.last, "run %s never ended", excerpt(id, 40))
			}
		}
	}
	return c.sorted()
}

// lg4lg9Terminal: nothing after error (LG-4) or end (LG-9).
func (c *lgChecker) lg4lg9Terminal(e jsonEvent) {
	switch {
	case c.errorAt > 0 && e.N == c.errorAt+1:
		c.add(lg4, e.Event, "an event after error (event %d); error is terminal", c.errorAt)
	case c.endAt > 0 && e.N == c.endAt+1:
		c.add(lg9, e.Event, "an event after end (event %d)", c.endAt)
	}
}

// lg7lg8Steps checks the root values and updates events: each values
// snapshot's message ids start with the previous snapshot's (LG-7), and
// after the first snapshot (the input) every values event has an updates
// event since the last one, when the stream carries updates at all (LG-8,
// which only the end can tell). Both are warnings: a reducer with
// removals, or a custom stream, can differ.
func (c *lgChecker) lg7lg8Steps(e jsonEvent) {
	switch e.Type {
	case "updates":
		c.hasUpdates, c.updatesSince = true, true
	case "values":
		if c.seenValues && !c.updatesSince && len(c.valuesNoSteps) < 100 {
			c.valuesNoSteps = append(c.valuesNoSteps, e.Event)
		}
		c.seenValues, c.updatesSince = true, false
		msgs, ok := e.obj["messages"].([]any)
		if !ok {
			return
		}
		var ids []string
		for _, m := range msgs {
			if id, ok := str(obj(m)["id"]); ok {
				ids = append(ids, id)
			}
		}
		if c.prevIDs != nil && (len(ids) < len(c.prevIDs) || !slices.Equal(ids[:len(c.prevIDs)], c.prevIDs)) {
			c.add(lg7, e.Event, "values.messages ids %v do not extend the previous %v; with add_messages they only append", excerptIDs(ids), excerptIDs(c.prevIDs))
		}
		c.prevIDs = ids
	}
}

func excerptIDs(ids []string) string {
	if len(ids) > 6 {
		return "[" + strings.Join(ids[:6], " ") + " …]"
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// lg5lg6Messages follows the message snapshots.
func (c *lgChecker) lg5lg6Messages(e jsonEvent, mode string) {
	for _, m := range arrOf(e.Data) {
		msg := obj(m)
		id, _ := str(msg["id"])
		text := messageText(msg)
		if at := c.complete[id]; at > 0 {
			c.add(lg6, e.Event, "%s for message %q after its messages/complete (event %d)", mode, excerpt(id, 40), at)
		}
		if mode == "messages/partial" {
			if !c.metaFor[id] {
				c.add(lg5, e.Event, "messages/partial for %q before its messages/metadata", excerpt(id, 40))
				c.metaFor[id] = true
			}
			if prev, ok := c.partial[id]; ok && !strings.HasPrefix(text, prev) {
				c.add(lg5, e.Event, "the snapshot of %q shrank or changed: %q after %q", excerpt(id, 40), excerpt(text, 30), excerpt(prev, 30))
			}
			c.partial[id] = text
		} else if c.complete[id] == 0 {
			c.complete[id] = e.N
			delete(c.partial, id)
		}
	}
}

// lceEvents checks one astream_events payload (LCE-1 to LCE-6).
func (c *lgChecker) lceEvents(e jsonEvent) {
	p := e.obj
	c.payloads++
	if c.payloads == 1 {
		c.firstPay = e
		c.lce5First()
	}
	c.lastPay = e
	for _, k := range []string{"event", "name", "run_id", "parent_ids", "tags", "metadata", "data"} {
		if _, ok := p[k]; !ok {
			c.add(lce1, e.Event, "the events payload has no %q", k)
		}
	}
	name, _ := str(p["event"])
	runID, _ := str(p["run_id"])
	m := lceName.FindStringSubmatch(name)
	if m == nil && name != "on_custom_event" && name != "on_tool_error" {
		c.add(lce2, e.Event, "%q is not an astream_events name", excerpt(name, 40))
		return
	}
	for _, parent := range arr(p["parent_ids"]) {
		pid, _ := str(parent)
		if r := c.runs[pid]; r == nil || r.ended {
			c.add(lce4, e.Event, "parent %q of %s is not open", excerpt(pid, 40), excerpt(runID, 40))
		}
	}
	if name == "on_custom_event" {
		return
	}
	phase, kind := "end", "tool"
	if m != nil {
		kind, phase = m[1], m[2]
	}
	c.lce3Run(e, name, runID, kind, phase)
	c.lce6Stream(p, name, runID)
	if phase == "end" || name == "on_tool_error" {
		c.runs[runID].ended = true
		delete(c.streamed, runID)
	}
}

// lce3Run: per run, one _start first, _stream between, one _end last.
func (c *lgChecker) lce3Run(e jsonEvent, name, runID, kind, phase string) {
	r := c.runs[runID]
	switch {
	case r == nil:
		if phase != "start" {
			c.add(lce3, e.Event, "%s for run %s before its _start", name, excerpt(runID, 40))
		}
		c.runs[runID] = &lgRun{kind: kind}
		c.runOrder = append(c.runOrder, runID)
	case phase == "start":
		c.add(lce3, e.Event, "a second _start for run %s", excerpt(runID, 40))
	case r.ended:
		c.add(lce3, e.Event, "%s for run %s after its end", name, excerpt(runID, 40))
	case r.kind != kind:
		c.add(lce3, e.Event, "run %s was a %s, now %s", excerpt(runID, 40), r.kind, kind)
	}
}

// lce6Stream: a chat model run's streamed contents add up to its output.
func (c *lgChecker) lce6Stream(p map[string]any, name, runID string) {
	switch name {
	case "on_chat_model_stream":
		if c.streamed[runID] == nil {
			c.streamed[runID] = &strings.Builder{}
		}
		if s, ok := str(obj(obj(p["data"])["chunk"])["content"]); ok {
			c.streamed[runID].WriteString(s)
		}
	case "on_chat_model_end":
		if b := c.streamed[runID]; b != nil {
			if out, ok := str(obj(obj(p["data"])["output"])["content"]); ok && out != b.String() {
				c.add(lce6, c.lastPay.Event, "run %s streamed %q but ended with %q", excerpt(runID, 40), excerpt(b.String(), 30), excerpt(out, 30))
			}
		}
	}
}

// lce5First: a whole-graph stream starts with the root on_chain_start.
func (c *lgChecker) lce5First() {
	first := c.firstPay.obj
	if fn, _ := str(first["event"]); fn != "on_chain_start" || len(arr(first["parent_ids"])) != 0 {
		c.add(lce5, c.firstPay.Event, "the first events payload is %s; a whole-graph stream starts with the root on_chain_start", excerpt(fn, 40))
	}
}

// lce5Last: ... and ends with the root's end (unless an error ended it).
func (c *lgChecker) lce5Last() {
	first, last := c.firstPay.obj, c.lastPay.obj
	if fn, _ := str(first["event"]); fn != "on_chain_start" || len(arr(first["parent_ids"])) != 0 || c.errorAt > 0 {
		return
	}
	if ln, _ := str(last["event"]); ln != "on_chain_end" || fmt.Sprint(last["run_id"]) != fmt.Sprint(first["run_id"]) {
		c.add(lce5, c.lastPay.Event, "the last events payload is %s of %v; expected the root's on_chain_end", excerpt(ln, 40), last["run_id"])
	}
}

func arrOf(data string) []any {
	var v []any
	_ = jsonUnmarshal(data, &v)
	return v
}
