package assert

import (
	"encoding/json"
	"slices"
	"strings"
)

// The anthropic preset: Anthropic Messages streaming (FORMATS.md §(c)).
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

// Anthropic is the anthropic preset.
var anthropicContract = &Contract{
	Name:  "anthropic",
	New:   func() Checker { return &collector{check: checkAnthropic} },
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

func checkAnthropic(c *collector) {
	for _, rule := range []func(*collector){ant1to2Names, ant3Start, ant4to6Blocks, ant7Deltas, ant8Stop, ant10Error, ant11Unknown} {
		rule(c)
	}
}

func ant1to2Names(c *collector) {
	for _, e := range c.events {
		t, _ := str(e.obj["type"])
		switch {
		case e.Type == "":
			c.add(ant1, e.Event, "no event: line; the SDKs skip this event")
		case t != "" && t != e.Type:
			c.add(ant2, e.Event, "event name %q but data.type %q", e.Type, t)
		}
	}
}

func ant3Start(c *collector) {
	starts := 0
	for i, e := range c.events {
		if antType(e) != "message_start" {
			continue
		}
		starts++
		if starts > 1 {
			c.add(ant3, e.Event, "message_start again; the TypeScript SDK throws on it")
			continue
		}
		for _, prev := range c.events[:i] {
			if antType(prev) != "ping" {
				c.add(ant3, e.Event, "message_start after %s (event %d); it must come first", antType(prev), prev.N)
				break
			}
		}
		m := obj(e.obj["message"])
		if content, ok := m["content"].([]any); !ok || len(content) != 0 || m["stop_reason"] != nil {
			c.add(ant3, e.Event, "message_start.message must have content [] and stop_reason null")
		}
	}
	failedEarly := false // only pings, then an error: the request failed before the message began
	for _, e := range c.events {
		if t := antType(e); t != "ping" {
			failedEarly = t == "error"
			break
		}
	}
	if starts == 0 && len(c.events) > 0 && !failedEarly {
		c.add(ant3, c.events[0].Event, "no message_start")
	}
}

func ant4to6Blocks(c *collector) {
	type block struct {
		typ      string
		started  Event
		stopped  bool
		json     strings.Builder
		thinking int // the event number of the last thinking_delta
		sigs     int
	}
	var blocks []*block
	open := 0
	for _, e := range c.events {
		idxF, hasIdx := num(e.obj["index"])
		idx := int(idxF)
		switch antType(e) {
		case "content_block_start":
			if !hasIdx || idx != len(blocks) {
				c.add(ant4, e.Event, "content_block_start with index %v; expected %d", e.obj["index"], len(blocks))
			}
			if open > 0 {
				c.add(ant4s, e.Event, "a block starts while another is open")
			}
			typ, _ := str(obj(e.obj["content_block"])["type"])
			blocks = append(blocks, &block{typ: typ, started: e.Event})
			open++
		case "content_block_delta", "content_block_stop":
			if !hasIdx || idx < 0 || idx >= len(blocks) {
				c.add(ant4, e.Event, "%s for block %v, which never started", antType(e), e.obj["index"])
				continue
			}
			b := blocks[idx]
			if b.stopped {
				c.add(ant4, e.Event, "%s for block %d after its content_block_stop", antType(e), idx)
				continue
			}
			if antType(e) == "content_block_stop" {
				b.stopped = true
				open--
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
				continue
			}
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
	}
	for i, b := range blocks {
		if !b.stopped && errorAt(c) == 0 {
			c.add(ant4, b.started, "block %d never got its content_block_stop", i)
		}
	}
}

func errorAt(c *collector) int {
	for _, e := range c.events {
		if antType(e) == "error" {
			return e.N
		}
	}
	return 0
}

func ant7Deltas(c *collector) {
	openBlocks := map[float64]bool{}
	deltas := 0
	var lastDelta jsonEvent
	lastTokens := -1.0
	toolUse := false
	for _, e := range c.events {
		switch antType(e) {
		case "content_block_start":
			i, _ := num(e.obj["index"])
			openBlocks[i] = true
			if t, _ := str(obj(e.obj["content_block"])["type"]); t == "tool_use" {
				toolUse = true
			}
		case "content_block_stop":
			i, _ := num(e.obj["index"])
			delete(openBlocks, i)
		case "message_delta":
			if deltas == 0 && len(openBlocks) > 0 {
				c.add(ant7, e.Event, "message_delta while a content block is open")
			}
			deltas++
			lastDelta = e
			if t, ok := num(obj(e.obj["usage"])["output_tokens"]); ok {
				if t < lastTokens {
					c.add(ant7, e.Event, "output_tokens went down from %v to %v (the counts are cumulative)", lastTokens, t)
				}
				lastTokens = t
			}
		}
	}
	if errorAt(c) > 0 {
		return
	}
	if deltas == 0 {
		c.add(ant7, c.last(), "no message_delta")
		return
	}
	sr := obj(lastDelta.obj["delta"])["stop_reason"]
	if sr == nil {
		c.add(ant7, lastDelta.Event, "the last message_delta has no stop_reason")
	}
	if s, _ := str(sr); s == "tool_use" && !toolUse {
		c.add(ant9, lastDelta.Event, "stop_reason tool_use, but no tool_use block was streamed")
	}
}

func ant8Stop(c *collector) {
	var stops []int
	for _, e := range c.events {
		if antType(e) == "message_stop" {
			stops = append(stops, e.N)
		}
	}
	switch {
	case len(stops) == 0 && errorAt(c) == 0:
		c.add(ant8, c.last(), "the stream ended without message_stop")
	case len(stops) > 1:
		c.add(ant8, c.events[stops[1]-1].Event, "message_stop again (the first was event %d)", stops[0])
	}
	if len(stops) > 0 && stops[0] != len(c.events) {
		c.add(ant8, c.events[stops[0]].Event, "an event after message_stop (event %d)", stops[0])
	}
}

func ant10Error(c *collector) {
	at := errorAt(c)
	if at == 0 {
		return
	}
	e := c.events[at-1]
	inner := obj(e.obj["error"])
	if _, ok := str(inner["type"]); !ok {
		c.add(ant10, e.Event, "the error has no error.type")
	} else if _, ok := str(inner["message"]); !ok {
		c.add(ant10, e.Event, "the error has no error.message")
	}
	if at != len(c.events) {
		c.add(ant10, c.events[at].Event, "an event after the error (event %d); the error is terminal", at)
	}
}

func ant11Unknown(c *collector) {
	for _, e := range c.events {
		if t := antType(e); !slices.Contains(antTypes, t) {
			c.add(ant11, e.Event, "unknown event type %q (tolerated)", t)
		}
	}
}
