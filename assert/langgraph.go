package assert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The langgraph preset: LangGraph Platform streams (LG-*) and the
// astream_events v2 payloads of its events mode (LCE-*), FORMATS.md §(e).
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

// LangGraph is the langgraph preset.
var langGraphContract = &Contract{
	Name:  "langgraph",
	New:   func() Checker { return &collector{check: checkLangGraph} },
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

// lg7lg8Steps checks the root values and updates events: each values
// snapshot's message ids start with the previous snapshot's (LG-7), and
// after the first snapshot (the input) every values event has an updates
// event since the last one, when the stream carries updates at all (LG-8).
// Both are warnings: a reducer with removals, or a custom stream, can differ.
func lg7lg8Steps(c *collector) {
	hasUpdates := false
	for _, e := range c.events {
		hasUpdates = hasUpdates || e.Type == "updates"
	}
	var prev []string
	seenValues, updatesSince := false, false
	for _, e := range c.events {
		switch e.Type {
		case "updates":
			updatesSince = true
		case "values":
			if hasUpdates && seenValues && !updatesSince {
				c.add(lg8, e.Event, "values with no updates since the previous values; a super-step's updates come first")
			}
			seenValues, updatesSince = true, false
			msgs, ok := e.obj["messages"].([]any)
			if !ok {
				continue
			}
			var ids []string
			for _, m := range msgs {
				if id, ok := str(obj(m)["id"]); ok {
					ids = append(ids, id)
				}
			}
			if prev != nil && (len(ids) < len(prev) || !slices.Equal(ids[:len(prev)], prev)) {
				c.add(lg7, e.Event, "values.messages ids %v do not extend the previous %v; with add_messages they only append", excerptIDs(ids), excerptIDs(prev))
			}
			prev = ids
		}
	}
}

func excerptIDs(ids []string) string {
	if len(ids) > 6 {
		return "[" + strings.Join(ids[:6], " ") + " …]"
	}
	return "[" + strings.Join(ids, " ") + "]"
}

func checkLangGraph(c *collector) {
	lg7lg8Steps(c)
	metadata := 0
	errorAt, endAt := 0, 0
	metaFor := map[string]bool{}
	partial := map[string]string{}
	complete := map[string]int{}
	ids := newEventIDs(lg10, true)
	var payloads []jsonEvent
	streamed := map[string]*strings.Builder{}
	type run struct {
		kind  string
		ended bool
	}
	runs := map[string]*run{}
	for i, e := range c.events {
		mode := lgMode(e)
		if !slices.Contains(lgModes, mode) {
			c.add(lg2, e.Event, "event %q is not a stream mode", e.Type)
		}
		if e.obj == nil && e.Data != "null" && !validJSON(e.Data) {
			c.add(lg3, e.Event, "the data is not JSON")
		}
		ids.check(c, e.Event)
		if errorAt > 0 && i == errorAt {
			c.add(lg4, e.Event, "an event after error (event %d); error is terminal", errorAt)
		}
		if endAt > 0 && i == endAt {
			c.add(lg9, e.Event, "an event after end (event %d)", endAt)
		}
		switch mode {
		case "metadata":
			metadata++
			if metadata > 1 {
				c.add(lg1, e.Event, "metadata again; it comes exactly once")
			} else if i > 0 {
				c.add(lg1, e.Event, "metadata is not the first event")
			}
		case "error":
			if errorAt == 0 {
				errorAt = e.N
			}
		case "end":
			if endAt > 0 {
				c.add(lg9, e.Event, "end again")
			}
			endAt = e.N
		case "messages/metadata":
			for id := range e.obj {
				metaFor[id] = true
			}
		case "messages/partial", "messages/complete":
			for _, m := range arrOf(e.Data) {
				msg := obj(m)
				id, _ := str(msg["id"])
				text := messageText(msg)
				if at := complete[id]; at > 0 {
					c.add(lg6, e.Event, "%s for message %q after its messages/complete (event %d)", mode, id, at)
				}
				if mode == "messages/partial" {
					if !metaFor[id] {
						c.add(lg5, e.Event, "messages/partial for %q before its messages/metadata", id)
						metaFor[id] = true
					}
					if prev, ok := partial[id]; ok && !strings.HasPrefix(text, prev) {
						c.add(lg5, e.Event, "the snapshot of %q shrank or changed: %q after %q", id, excerpt(text, 30), excerpt(prev, 30))
					}
					partial[id] = text
				} else if complete[id] == 0 {
					complete[id] = e.N
				}
			}
		case "events":
			p := e.obj
			payloads = append(payloads, e)
			for _, k := range []string{"event", "name", "run_id", "parent_ids", "tags", "metadata", "data"} {
				if _, ok := p[k]; !ok {
					c.add(lce1, e.Event, "the events payload has no %q", k)
				}
			}
			name, _ := str(p["event"])
			runID, _ := str(p["run_id"])
			m := lceName.FindStringSubmatch(name)
			if m == nil && name != "on_custom_event" && name != "on_tool_error" {
				c.add(lce2, e.Event, "%q is not an astream_events name", name)
				continue
			}
			for _, parent := range arr(p["parent_ids"]) {
				pid, _ := str(parent)
				if r := runs[pid]; r == nil || r.ended {
					c.add(lce4, e.Event, "parent %q of %s is not open", pid, runID)
				}
			}
			if name == "on_custom_event" {
				continue
			}
			r := runs[runID]
			phase := "end"
			kind := "tool"
			if m != nil {
				kind, phase = m[1], m[2]
			}
			switch {
			case r == nil && phase != "start":
				c.add(lce3, e.Event, "%s for run %s before its _start", name, runID)
				runs[runID] = &run{kind: kind}
			case r == nil:
				runs[runID] = &run{kind: kind}
			case phase == "start":
				c.add(lce3, e.Event, "a second _start for run %s", runID)
			case r.ended:
				c.add(lce3, e.Event, "%s for run %s after its end", name, runID)
			case r.kind != kind:
				c.add(lce3, e.Event, "run %s was a %s, now %s", runID, r.kind, kind)
			}
			if name == "on_chat_model_stream" {
				if streamed[runID] == nil {
					streamed[runID] = &strings.Builder{}
				}
				if s, ok := str(obj(obj(p["data"])["chunk"])["content"]); ok {
					streamed[runID].WriteString(s)
				}
			}
			if name == "on_chat_model_end" && streamed[runID] != nil {
				if out, ok := str(obj(obj(p["data"])["output"])["content"]); ok && out != streamed[runID].String() {
					c.add(lce6, e.Event, "run %s streamed %q but ended with %q", runID, excerpt(streamed[runID].String(), 30), excerpt(out, 30))
				}
			}
			if phase == "end" || name == "on_tool_error" {
				runs[runID].ended = true
			}
		}
	}
	if len(payloads) > 0 {
		first, last := payloads[0].obj, payloads[len(payloads)-1].obj
		fn, _ := str(first["event"])
		if fn != "on_chain_start" || len(arr(first["parent_ids"])) != 0 {
			c.add(lce5, payloads[0].Event, "the first events payload is %s; a whole-graph stream starts with the root on_chain_start", fn)
		} else if ln, _ := str(last["event"]); errorAt == 0 && (ln != "on_chain_end" || fmt.Sprint(last["run_id"]) != fmt.Sprint(first["run_id"])) {
			c.add(lce5, payloads[len(payloads)-1].Event, "the last events payload is %s of %v; expected the root's on_chain_end", ln, last["run_id"])
		}
	}
	if metadata == 0 && len(c.events) > 0 {
		c.add(lg1, c.events[0].Event, "no metadata event; the stream starts with %s", c.events[0].Type)
	}
	for id, r := range runs {
		if !r.ended && errorAt == 0 {
			c.add(lce3, c.last(), "run %s never ended", id)
		}
	}
}

func arrOf(data string) []any {
	var v []any
	_ = jsonUnmarshal(data, &v)
	return v
}
