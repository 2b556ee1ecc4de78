package assert

import (
	"fmt"
	"strings"
)

// The mcp preset: MCP Streamable HTTP, the SSE response to one POSTed
// request (docs/contracts.md, "mcp"), judged from the stream alone. MCP-1, MCP-7,
// MCP-8 and MCP-9 are about headers, other requests and status codes, and
// the response id's match with the POSTed request id needs the request:
// they are not judged from events.
var (
	mcp2 = Rule{"MCP-2", Error, "every event but the priming one carries one JSON-RPC 2.0 message (no arrays)"}
	mcp3 = Rule{"MCP-3", Error, "at most one JSON-RPC response, and it is the last message"}
	mcp4 = Rule{"MCP-4", Error, "notifications/progress: progress strictly increases, total and progressToken constant"}
	mcp5 = Rule{"MCP-5", Error, "event ids unique; the priming event, if used, first"}
	mcp6 = Rule{"MCP-6", Error, "the event type is absent or message"}
)

// mcpContract is the mcp preset.
var mcpContract = &Contract{
	Name:  "mcp",
	New:   func() Checker { return &mcpChecker{ids: newEventIDs(mcp5, false), lastProgress: -1} },
	Rules: []Rule{mcp2, mcp3, mcp4, mcp5, mcp6},
}

func isJSONRPCResponse(o map[string]any) bool {
	_, hasID := o["id"]
	_, hasResult := o["result"]
	_, hasError := o["error"]
	_, hasMethod := o["method"]
	return hasID && !hasMethod && (hasResult || hasError)
}

// mcpChecker checks an MCP stream as it comes.
type mcpChecker struct {
	base
	ids          *eventIDs
	responseAt   int
	lastProgress float64
	total, token any
}

func (c *mcpChecker) Event(ev Event) {
	e := c.parse(ev)
	if e.Type != "" && e.Type != "message" {
		c.add(mcp6, e.Event, "event type %q; MCP events are untyped or message", excerpt(e.Type, 40))
	}
	c.ids.check(&c.base, e.Event)
	if e.Data == "" { // the priming event
		if c.n > 1 {
			c.add(mcp5, e.Event, "a priming event (empty data) that is not the first")
		}
		return
	}
	if e.obj == nil {
		if strings.HasPrefix(strings.TrimSpace(e.Data), "[") {
			c.add(mcp2, e.Event, "a JSON-RPC batch (array); batching was removed after 2025-03-26")
		} else {
			c.add(mcp2, e.Event, "the data is not a JSON-RPC message")
		}
		return
	}
	if v, _ := str(e.obj["jsonrpc"]); v != "2.0" {
		c.add(mcp2, e.Event, "jsonrpc is %q; expected \"2.0\"", excerpt(v, 40))
	}
	if c.responseAt > 0 {
		c.add(mcp3, e.Event, "a message after the response (event %d); the response is the last message", c.responseAt)
	}
	if isJSONRPCResponse(e.obj) {
		if c.responseAt == 0 {
			c.responseAt = e.N
		} else {
			c.add(mcp3, e.Event, "a second JSON-RPC response on one stream")
		}
	}
	if m, _ := str(e.obj["method"]); m == "notifications/progress" {
		c.mcp4Progress(e)
	}
}

// mcp4Progress: progress strictly increases, total and token constant.
func (c *mcpChecker) mcp4Progress(e jsonEvent) {
	p := obj(e.obj["params"])
	if v, ok := num(p["progress"]); ok {
		if v <= c.lastProgress {
			c.add(mcp4, e.Event, "progress %v after %v; it must increase", v, c.lastProgress)
		}
		c.lastProgress = v
	}
	if t, ok := p["total"]; ok {
		if c.total != nil && fmt.Sprint(c.total) != fmt.Sprint(t) {
			c.add(mcp4, e.Event, "total %v; it was %v", t, c.total)
		}
		c.total = t
	}
	if t, ok := p["progressToken"]; ok {
		if c.token != nil && fmt.Sprint(c.token) != fmt.Sprint(t) {
			c.add(mcp4, e.Event, "progressToken %v; it was %v", t, c.token)
		}
		c.token = t
	}
}

func (c *mcpChecker) End() []Violation { return c.sorted() }
