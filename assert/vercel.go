package assert

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// The vercel-ai preset: the AI SDK's UI message stream protocol v1
// (docs/contracts.md, "vercel-ai"). VAI-1 is about response headers, which a list of
// events does not carry; it is not judged here.
var (
	vai2  = Rule{"VAI-2", Error, "every event is data: JSON with a known type (or data-*), except one final data: [DONE]"}
	vai3  = Rule{"VAI-3", Error, "start, if present, first; finish or abort at most once, followed only by [DONE]"}
	vai3s = Rule{"VAI-3", Warning, "further start chunks (merged streams) are tolerated"}
	vai4  = Rule{"VAI-4", Error, "text-start once per id; text-delta and text-end only while it is open; text-end exactly once"}
	vai5  = Rule{"VAI-5", Error, "reasoning-start/delta/end as text-*"}
	vai6  = Rule{"VAI-6", Error, "tool-input-start before its deltas; tool-input-available or -error exactly once per call; the deltas parse to the input"}
	vai7  = Rule{"VAI-7", Error, "tool outputs only after the call's input (or approval request), at most one final output"}
	vai8  = Rule{"VAI-8", Error, "start-step and finish-step balanced, not nested; text and reasoning closed before finish-step"}
	vai9  = Rule{"VAI-9", Error, "data-* parts carry data"}
)

// vercelAIContract is the vercel-ai preset.
var vercelAIContract = &Contract{
	Name:  "vercel-ai",
	New:   func() Checker { return &vercelChecker{} },
	Rules: []Rule{vai2, vai3, vai3s, vai4, vai5, vai6, vai7, vai8, vai9},
}

var vaiTypes = []string{"start", "finish", "abort", "message-metadata", "start-step", "finish-step", "text-start", "text-delta", "text-end",
	"reasoning-start", "reasoning-delta", "reasoning-end", "tool-input-start", "tool-input-delta", "tool-input-available", "tool-input-error",
	"tool-approval-request", "tool-output-available", "tool-output-error", "tool-output-denied", "source-url", "source-document", "file", "error"}

// vercelChecker checks a UI message stream as it comes.
type vercelChecker struct {
	base
	sentinel Event
	finishAt int
	inStep   bool
	text     parts // VAI-4
	thinking parts // VAI-5
	tools    map[string]*vaiCall
	order    []string // the tool calls in the order they started
}

// parts are the open and closed text (or reasoning) parts, by id.
type parts struct {
	open   map[string]Event
	closed map[string]bool
}

type vaiCall struct {
	started, input, approval bool
	startedAt                Event
	deltas                   strings.Builder
	outputs                  int
}

func (c *vercelChecker) Event(ev Event) {
	if c.tools == nil {
		c.tools = map[string]*vaiCall{}
		c.text = parts{open: map[string]Event{}, closed: map[string]bool{}}
		c.thinking = parts{open: map[string]Event{}, closed: map[string]bool{}}
	}
	if c.sentinel.N > 0 {
		c.add(vai2, c.sentinel, "data: [DONE] before the end; it comes once, last")
		c.sentinel = Event{}
	}
	e := c.parse(ev)
	if e.Data == "[DONE]" {
		c.sentinel = e.Event // judged by what follows it
		return
	}
	t, _ := str(e.obj["type"])
	if e.obj == nil || (!slices.Contains(vaiTypes, t) && !strings.HasPrefix(t, "data-")) {
		c.add(vai2, e.Event, "%q is not a part type of the protocol", t)
		return
	}
	if c.finishAt > 0 {
		c.add(vai3, e.Event, "%s after finish (event %d); only [DONE] may follow", t, c.finishAt)
	}
	switch {
	case strings.HasPrefix(t, "text-"):
		c.vai4and5Parts(e, t, &c.text, vai4, "text")
	case strings.HasPrefix(t, "reasoning-"):
		c.vai4and5Parts(e, t, &c.thinking, vai5, "reasoning")
	case strings.HasPrefix(t, "tool-"):
		c.vai6and7Tools(e, t)
	case t == "start-step" || t == "finish-step":
		c.vai8Steps(e, t)
	case t == "start":
		if c.n > 1 {
			c.add(vai3s, e.Event, "start again (tolerated when streams are merged)")
		}
	case t == "finish" || t == "abort":
		c.finishAt = e.N
	case strings.HasPrefix(t, "data-"):
		if _, ok := e.obj["data"]; !ok {
			c.add(vai9, e.Event, "%s without data", t)
		}
	}
}

func (c *vercelChecker) End() []Violation {
	for id, e := range c.text.open {
		c.add(vai4, e, "text %q never got its text-end", id)
	}
	for id, e := range c.thinking.open {
		c.add(vai5, e, "reasoning %q never got its reasoning-end", id)
	}
	for _, call := range c.order {
		if tc := c.tools[call]; tc.started && !tc.input {
			c.add(vai6, c.last, "tool call %q never got tool-input-available or tool-input-error", call)
		}
	}
	return c.sorted()
}

// vai4and5Parts checks the start, deltas and end of text and reasoning
// parts.
func (c *vercelChecker) vai4and5Parts(e jsonEvent, t string, p *parts, r Rule, kind string) {
	id, _ := str(e.obj["id"])
	switch strings.TrimPrefix(t, kind+"-") {
	case "start":
		if _, ok := p.open[id]; ok || p.closed[id] {
			c.add(r, e.Event, "%s-start again for id %q", kind, id)
		}
		p.open[id] = e.Event
	case "delta", "end":
		if _, ok := p.open[id]; !ok {
			c.add(r, e.Event, "%s for id %q, which is not open (the client throws)", t, id)
			return
		}
		if strings.HasSuffix(t, "-end") {
			delete(p.open, id)
			p.closed[id] = true
		}
	}
}

// vai6and7Tools follows the tool calls: input first, outputs after it.
func (c *vercelChecker) vai6and7Tools(e jsonEvent, t string) {
	call, _ := str(e.obj["toolCallId"])
	if call == "" {
		c.add(vai6, e.Event, "%s without a toolCallId", t)
		return
	}
	tc := c.tools[call]
	if tc == nil {
		tc = &vaiCall{}
		c.tools[call] = tc
		c.order = append(c.order, call)
	}
	switch t {
	case "tool-input-start":
		tc.started, tc.startedAt = true, e.Event
	case "tool-input-delta":
		if !tc.started {
			c.add(vai6, e.Event, "tool-input-delta for %q before its tool-input-start (the client throws)", call)
		}
		d, _ := str(e.obj["inputTextDelta"])
		tc.deltas.WriteString(d)
	case "tool-input-available", "tool-input-error":
		if tc.input {
			c.add(vai6, e.Event, "a second input for tool call %q", call)
		}
		tc.input = true
		if t == "tool-input-available" && tc.deltas.Len() > 0 {
			var streamed any
			if json.Unmarshal([]byte(tc.deltas.String()), &streamed) != nil || !reflect.DeepEqual(streamed, e.obj["input"]) {
				c.add(vai6, e.Event, "the input deltas of %q do not parse to its input", call)
			}
		}
		tc.deltas.Reset()
	case "tool-approval-request":
		tc.approval = true
	case "tool-output-available", "tool-output-error", "tool-output-denied":
		if !tc.input && !tc.approval {
			c.add(vai7, e.Event, "%s for %q before its input (the client throws)", t, call)
		}
		if prelim, _ := e.obj["preliminary"].(bool); !prelim {
			tc.outputs++
			if tc.outputs > 1 {
				c.add(vai7, e.Event, "a second final output for %q", call)
			}
		}
	}
}

// vai8Steps checks that steps balance and close their parts.
func (c *vercelChecker) vai8Steps(e jsonEvent, t string) {
	if t == "start-step" {
		if c.inStep {
			c.add(vai8, e.Event, "start-step inside a step")
		}
		c.inStep = true
		return
	}
	if !c.inStep {
		c.add(vai8, e.Event, "finish-step without start-step")
	}
	c.inStep = false
	for _, id := range sortedKeys(c.text.open) {
		c.add(vai8, e.Event, "finish-step with text %q still open (the client resets it)", id)
	}
	for _, id := range sortedKeys(c.thinking.open) {
		c.add(vai8, e.Event, "finish-step with reasoning %q still open", id)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
