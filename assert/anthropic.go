package assert

import (
	"encoding/json"
	"slices"
	"strings"
)

// The anthropic preset: Anthropic Messages streaming (docs/contracts.md, "anthropic").
var (
	ant1  = Rule{"ANT-1", Error, "every event has an event: line (the SDKs skip events without one)"}
	ant2  = Rule{"ANT-2", Error, "the event name equals data.type"}
	ant3  = Rule{"ANT-3", Error, "exactly one message_start, the first event but ping, with content [] and stop_reason null"}
	ant4  = Rule{"ANT-4", Error, "content_block_start indexes 0, 1, 2, ... in order; deltas and stops only for started, open blocks; one stop per block"}
	ant4s = Rule{"ANT-4", Warning, "at most one block open at a time (observed behaviour)"}
	ant5  = Rule{"ANT-5", Error, "a delta's type matches its block's type; at most one signature_delta, after the last thinking_delta"}
	ant6  = Rule{"ANT-6", Error, "a tool block's partial_json adds up to a JSON object"}
	ant7  = Rule{"ANT-7", Error, "all blocks stopped before the first message_delta; at least one message_delta, the last with a stop_reason; output_tokens never decrease"}
	ant8  = Rule{"ANT-8", Error, "exactly one message_stop, last"}
	ant9  = Rule{"ANT-9", Error, "stop_reason tool_use: at least one tool_use block"}
	ant10 = Rule{"ANT-10", Error, "event: error is terminal, with {type: error, error: {type, message}}"}
	ant11 = Rule{"ANT-11", Warning, "unknown event types are tolerated"}
)

// anthropicContract is the anthropic preset.
var anthropicContract = &Contract{
	Name:  "anthropic",
	New:   func() Checker { return &antChecker{} },
	Rules: []Rule{ant1, ant2, ant3, ant4, ant4s, ant5, ant6, ant7, ant8, ant9, ant10, ant11},
}

var antTypes = []string{"message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping", "error"}

// antType is the type of an event: its data.type, else its name.
func antType(e jsonEvent) string {
	if t, ok := str(e.obj["type"]); ok {
		return t
	}
	return e.Type
}

// antChecker checks an Anthropic Messages stream as it comes.
type antChecker struct {
	base
	errorAt int
	// ANT-3
	starts      int
	firstEvent  Event
	nonPing     bool // an event other than ping came
	firstNon    string
	firstNonN   int
	failedEarly bool // only pings, then an error
	// ANT-4 to -6
	blocks []*antBlock
	open   int
	// ANT-7, -9
	deltas     int
	lastDelta  jsonEvent
	lastTokens float64
	toolUse    bool
	// ANT-8
	stops     int
	firstStop int
	afterStop bool
	// ANT-10
	afterError bool
}

type antBlock struct {
	typ      string
	started  Event
	stopped  bool
	json     strings.Builder
	thinking int // the event number of the last thinking_delta
	sigs     int
}

func (c *antChecker) Event(ev Event) {
	if c.n == 0 {
		c.lastTokens = -1
	}
	e := c.parse(ev)
	t := antType(e)
	c.ant1to2Names(e)
	c.ant3Start(e, t)
	c.ant4to6Blocks(e, t)
	c.ant7Deltas(e, t)
	c.ant8Stop(e, t)
	c.ant10Error(e, t)
	if !slices.Contains(antTypes, t) {
		c.add(ant11, e.Event, "unknown event type %q (tolerated)", t)
	}
}

func (c *antChecker) End() []Violation {
	if c.starts == 0 && c.n > 0 && !c.failedEarly {
		c.add(ant3, c.firstEvent, "no message_start")
	}
	if c.errorAt == 0 {
		for i, b := range c.blocks {
			if !b.stopped {
				c.add(ant4, b.started, "block %d never got its content_block_stop", i)
			}
		}
		c.ant7End()
		if c.stops == 0 {
			c.add(ant8, c.last, "the stream ended without message_stop")
		}
	}
	return c.sorted()
}

func (c *antChecker) ant1to2Names(e jsonEvent) {
	t, _ := str(e.obj["type"])
	switch {
	case e.Type == "":
		c.add(ant1, e.Event, "no event: line; the SDKs skip this event")
	case t != "" && t != e.Type:
		c.add(ant2, e.Event, "event name %q but data.type %q", e.Type, t)
	}
}

func (c *antChecker) ant3Start(e jsonEvent, t string) {
	if c.n == 1 {
		c.firstEvent = e.Event
	}
	if t == "message_start" {
		c.starts++
		if c.starts > 1 {
			c.add(ant3, e.Event, "message_start again; the TypeScript SDK throws on it")
		} else {
			if c.nonPing {
				c.add(ant3, e.Event, "message_start after %s (event %d); it must come first", c.firstNon, c.firstNonN)
			}
			m := obj(e.obj["message"])
			if content, ok := m["content"].([]any); !ok || len(content) != 0 || m["stop_reason"] != nil {
				c.add(ant3, e.Event, "message_start.message must have content [] and stop_reason null")
			}
		}
	}
	if t != "ping" && !c.nonPing {
		c.nonPing, c.firstNon, c.firstNonN = true, t, e.N
		c.failedEarly = t == "error"
	}
}

func (c *antChecker) ant4to6Blocks(e jsonEvent, t string) {
	idxF, hasIdx := num(e.obj["index"])
	idx := int(idxF)
	switch t {
	case "content_block_start":
		if !hasIdx || idx != len(c.blocks) {
			c.add(ant4, e.Event, "content_block_start with index %v; expected %d", e.obj["index"], len(c.blocks))
		}
		if c.open > 0 {
			c.add(ant4s, e.Event, "a block starts while another is open")
		}
		typ, _ := str(obj(e.obj["content_block"])["type"])
		c.blocks = append(c.blocks, &antBlock{typ: typ, started: e.Event})
		c.open++
	case "content_block_delta", "content_block_stop":
		if !hasIdx || idx < 0 || idx >= len(c.blocks) {
			c.add(ant4, e.Event, "%s for block %v, which never started", t, e.obj["index"])
			return
		}
		b := c.blocks[idx]
		if b.stopped {
			c.add(ant4, e.Event, "%s for block %d after its content_block_stop", t, idx)
			return
		}
		if t == "content_block_stop" {
			c.stopBlock(e, idx, b)
			return
		}
		c.blockDelta(e, b)
	}
}

// stopBlock ends a block; a tool block's partial_json must add up to an
// object (ANT-6).
func (c *antChecker) stopBlock(e jsonEvent, idx int, b *antBlock) {
	b.stopped = true
	c.open--
	if strings.Contains(b.typ, "tool_use") {
		js := b.json.String()
		if js == "" {
			js = "{}"
		}
		var v map[string]any
		if json.Unmarshal([]byte(js), &v) != nil {
			c.add(ant6, e.Event, "tool block %d's partial_json adds up to %q, not a JSON object", idx, excerpt(js, 40))
		}
	}
	b.json.Reset()
}

// blockDelta checks a delta against its block (ANT-5) and gathers a tool
// block's partial_json.
func (c *antChecker) blockDelta(e jsonEvent, b *antBlock) {
	d := obj(e.obj["delta"])
	dt, _ := str(d["type"])
	want := map[string][]string{"text_delta": {"text"}, "citations_delta": {"text"}, "input_json_delta": {"tool_use", "server_tool_use", "mcp_tool_use"},
		"thinking_delta": {"thinking"}, "signature_delta": {"thinking"}}[dt]
	if want != nil && !slices.Contains(want, b.typ) {
		c.add(ant5, e.Event, "%s in a %s block", dt, b.typ)
	}
	switch dt {
	case "input_json_delta":
		pj, _ := str(d["partial_json"])
		b.json.WriteString(pj)
	case "thinking_delta":
		b.thinking = e.N
		if b.sigs > 0 {
			c.add(ant5, e.Event, "thinking_delta after the signature_delta")
		}
	case "signature_delta":
		b.sigs++
		if b.sigs > 1 {
			c.add(ant5, e.Event, "signature_delta again; at most one per block")
		}
	}
}

func (c *antChecker) ant7Deltas(e jsonEvent, t string) {
	switch t {
	case "content_block_start":
		if bt, _ := str(obj(e.obj["content_block"])["type"]); bt == "tool_use" {
			c.toolUse = true
		}
	case "message_delta":
		if c.deltas == 0 && c.open > 0 {
			c.add(ant7, e.Event, "message_delta while a content block is open")
		}
		c.deltas++
		c.lastDelta = e
		if tok, ok := num(obj(e.obj["usage"])["output_tokens"]); ok {
			if tok < c.lastTokens {
				c.add(ant7, e.Event, "output_tokens went down from %v to %v (the counts are cumulative)", c.lastTokens, tok)
			}
			c.lastTokens = tok
		}
	}
}

// ant7End judges the last message_delta, which only the end shows.
func (c *antChecker) ant7End() {
	if c.deltas == 0 {
		c.add(ant7, c.last, "no message_delta")
		return
	}
	sr := obj(c.lastDelta.obj["delta"])["stop_reason"]
	if sr == nil {
		c.add(ant7, c.lastDelta.Event, "the last message_delta has no stop_reason")
	}
	if s, _ := str(sr); s == "tool_use" && !c.toolUse {
		c.add(ant9, c.lastDelta.Event, "stop_reason tool_use, but no tool_use block was streamed")
	}
}

func (c *antChecker) ant8Stop(e jsonEvent, t string) {
	if c.firstStop > 0 && !c.afterStop {
		c.afterStop = true
		c.add(ant8, e.Event, "an event after message_stop (event %d)", c.firstStop)
	}
	if t != "message_stop" {
		return
	}
	c.stops++
	switch c.stops {
	case 1:
		c.firstStop = e.N
	case 2:
		c.add(ant8, e.Event, "message_stop again (the first was event %d)", c.firstStop)
	}
}

func (c *antChecker) ant10Error(e jsonEvent, t string) {
	if c.errorAt > 0 && !c.afterError {
		c.afterError = true
		c.add(ant10, e.Event, "an event after the error (event %d); the error is terminal", c.errorAt)
	}
	if t != "error" || c.errorAt > 0 {
		return
	}
	c.errorAt = e.N
	inner := obj(e.obj["error"])
	if _, ok := str(inner["type"]); !ok {
		c.add(ant10, e.Event, "the error has no error.type")
	} else if _, ok := str(inner["message"]); !ok {
		c.add(ant10, e.Event, "the error has no error.message")
	}
}
