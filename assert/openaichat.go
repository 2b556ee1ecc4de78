package assert

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The openai-chat preset: OpenAI Chat Completions streaming
// (docs/contracts.md, "openai-chat"), data-only chunks ending in data: [DONE].
var (
	oaiCC1  = Rule{"OAI-CC-1", Error, "data: [DONE] exactly once, last; a stream without it is truncated unless it ended with an error object"}
	oaiCC2  = Rule{"OAI-CC-2", Error, "no event: field; every data but [DONE] is one JSON object"}
	oaiCC3  = Rule{"OAI-CC-3", Error, "id, created, model (and system_fingerprint) identical across chunks; object is chat.completion.chunk"}
	oaiCC4  = Rule{"OAI-CC-4", Error, "delta.role at most once per choice, in its first delta"}
	oaiCC5  = Rule{"OAI-CC-5", Error, "exactly one non-null finish_reason per choice; no content or tool_calls after it"}
	oaiCC6  = Rule{"OAI-CC-6", Error, "a tool call's first fragment has id, type function and function.name; later ones neither id nor name"}
	oaiCC7  = Rule{"OAI-CC-7", Error, "tool call indexes first appear 0, 1, 2, ... without gaps"}
	oaiCC7s = Rule{"OAI-CC-7", Warning, "once tool call k+1 starts, no more fragments for k (observed behaviour)"}
	oaiCC8  = Rule{"OAI-CC-8", Error, "finish_reason tool_calls: at least one tool call, each call's arguments parse as JSON"}
	oaiCC9  = Rule{"OAI-CC-9", Error, "with usage: one final chunk with choices [] right before [DONE], usage null elsewhere, total = prompt + completion"}
	oaiCC10 = Rule{"OAI-CC-10", Error, "an error object is terminal (only [DONE] may follow)"}
	oaiCC11 = Rule{"OAI-CC-11", Warning, "unknown fields are tolerated, but a top-level \"error\": null makes some SDKs fail"}
)

// openAIChatContract is the openai-chat preset.
var openAIChatContract = &Contract{
	Name:  "openai-chat",
	New:   func() Checker { return &chatChecker{} },
	Rules: []Rule{oaiCC1, oaiCC2, oaiCC3, oaiCC4, oaiCC5, oaiCC6, oaiCC7, oaiCC7s, oaiCC8, oaiCC9, oaiCC10, oaiCC11},
}

// chatChecker checks a Chat Completions stream as it comes.
type chatChecker struct {
	base
	errorAt int // the first error object
	// OAI-CC-1
	dones     int
	firstDone int
	afterDone bool
	// OAI-CC-3
	first *jsonEvent
	// OAI-CC-4, -5
	deltas   map[int]int // choice -> deltas seen
	finished map[int]int // choice -> the event of its finish_reason
	order    []int
	// OAI-CC-6 to -8
	calls   map[[2]int]*chatCall // (choice, index)
	next    map[int]int          // choice -> the next new index expected
	current map[int]int          // choice -> the index of the call streaming now
	// OAI-CC-9
	usageAt      int
	usageWaiting bool // the usage chunk's next event must be [DONE]
	usageEvent   Event
	// OAI-CC-10
	afterError bool
}

type chatCall struct {
	started Event
	args    strings.Builder
}

func (c *chatChecker) Event(ev Event) {
	if c.deltas == nil {
		c.deltas, c.finished = map[int]int{}, map[int]int{}
		c.calls, c.next, c.current = map[[2]int]*chatCall{}, map[int]int{}, map[int]int{}
	}
	e := c.parse(ev)
	c.cc1Done(e)
	c.cc2Shape(e)
	c.cc3Constant(e)
	c.cc9Usage(e)
	c.cc10Error(e)
	c.cc11ErrorNull(e)
	for _, ch := range arr(e.obj["choices"]) {
		choice := obj(ch)
		idx, _ := num(choice["index"])
		delta := obj(choice["delta"])
		c.cc4Role(e, int(idx), delta)
		c.cc5Finish(e, int(idx), choice, delta)
		c.cc6to8Tools(e, int(idx), choice, delta)
	}
	if v, ok := e.obj["error"]; ok && v != nil && c.errorAt == 0 {
		c.errorAt = e.N
	}
}

func (c *chatChecker) End() []Violation {
	if c.dones == 0 && c.errorAt == 0 {
		c.add(oaiCC1, c.last, "the stream ended without data: [DONE] (truncated)")
	}
	if c.usageWaiting {
		c.add(oaiCC9, c.usageEvent, "the usage chunk is not immediately followed by [DONE]")
	}
	if c.errorAt == 0 {
		for _, i := range c.order {
			if c.finished[i] == 0 {
				c.add(oaiCC5, c.last, "choice %d never got a finish_reason", i)
			}
		}
	}
	return c.sorted()
}

func (c *chatChecker) cc1Done(e jsonEvent) {
	if c.firstDone > 0 && !c.afterDone {
		c.afterDone = true
		c.add(oaiCC1, e.Event, "an event after [DONE] (event %d); [DONE] must be last", c.firstDone)
	}
	if e.Data != "[DONE]" {
		return
	}
	c.dones++
	switch c.dones {
	case 1:
		c.firstDone = e.N
	case 2:
		c.add(oaiCC1, e.Event, "[DONE] again (the first was event %d)", c.firstDone)
	}
}

func (c *chatChecker) cc2Shape(e jsonEvent) {
	if e.Type != "" {
		c.add(oaiCC2, e.Event, "event: %s; Chat Completions chunks have no event: field", e.Type)
	}
	if e.Data != "[DONE]" && e.obj == nil {
		c.add(oaiCC2, e.Event, "the data is not one JSON object")
	}
}

func (c *chatChecker) cc3Constant(e jsonEvent) {
	if e.obj == nil || e.obj["error"] != nil {
		return
	}
	if o, _ := str(e.obj["object"]); o != "chat.completion.chunk" {
		c.add(oaiCC3, e.Event, "object is %q; expected chat.completion.chunk", o)
	}
	if c.first == nil {
		first := e
		c.first = &first
		return
	}
	for _, k := range []string{"id", "created", "model", "system_fingerprint"} {
		a, b := c.first.obj[k], e.obj[k]
		if k == "system_fingerprint" && (a == nil || b == nil) {
			continue
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			c.add(oaiCC3, e.Event, "%s is %v; the first chunk (event %d) had %v", k, b, c.first.N, a)
		}
	}
}

func (c *chatChecker) cc4Role(e jsonEvent, i int, delta map[string]any) {
	if _, has := delta["role"]; has && c.deltas[i] > 0 {
		c.add(oaiCC4, e.Event, "delta.role in choice %d's delta %d; only its first delta carries the role", i, c.deltas[i]+1)
	}
	c.deltas[i]++
}

func (c *chatChecker) cc5Finish(e jsonEvent, i int, choice, delta map[string]any) {
	if !slices.Contains(c.order, i) {
		c.order = append(c.order, i)
	}
	if at := c.finished[i]; at > 0 {
		if s, _ := str(delta["content"]); s != "" || delta["tool_calls"] != nil {
			c.add(oaiCC5, e.Event, "content for choice %d after its finish_reason (event %d)", i, at)
		}
	}
	if fr, ok := choice["finish_reason"]; ok && fr != nil {
		if c.finished[i] > 0 {
			c.add(oaiCC5, e.Event, "a second finish_reason for choice %d (the first was event %d)", i, c.finished[i])
		} else {
			c.finished[i] = e.N
		}
	}
}

// cc6to8Tools follows the tool calls' fragments, and at a finish_reason of
// tool_calls judges the choice's calls (OAI-CC-8).
func (c *chatChecker) cc6to8Tools(e jsonEvent, i int, choice, delta map[string]any) {
	for _, tc := range arr(delta["tool_calls"]) {
		t := obj(tc)
		kf, _ := num(t["index"])
		k := int(kf)
		fn := obj(t["function"])
		cl := c.calls[[2]int{i, k}]
		if cl == nil {
			if k != c.next[i] {
				c.add(oaiCC7, e.Event, "tool call index %d starts before %d; indexes come 0, 1, 2, ... without gaps", k, c.next[i])
			}
			c.next[i] = max(c.next[i], k+1)
			cl = &chatCall{started: e.Event}
			c.calls[[2]int{i, k}] = cl
			id, _ := str(t["id"])
			typ, _ := str(t["type"])
			name, _ := str(fn["name"])
			if id == "" || typ != "function" || name == "" {
				c.add(oaiCC6, e.Event, "the first fragment of tool call %d lacks id, type \"function\" or function.name", k)
			}
			c.current[i] = k
		} else {
			if t["id"] != nil || fn["name"] != nil {
				c.add(oaiCC6, e.Event, "a later fragment of tool call %d carries id or function.name again", k)
			}
			if c.current[i] != k {
				c.add(oaiCC7s, e.Event, "a fragment for tool call %d after call %d started", k, c.current[i])
			}
		}
		if a, ok := str(fn["arguments"]); ok {
			cl.args.WriteString(a)
		}
	}
	if fr, _ := str(choice["finish_reason"]); fr == "tool_calls" {
		n := 0
		for key, cl := range c.calls {
			if key[0] != i {
				continue
			}
			n++
			if !json.Valid([]byte(cl.args.String())) {
				c.add(oaiCC8, cl.started, "tool call %d/%d's arguments do not parse as JSON: %q", key[0], key[1], excerpt(cl.args.String(), 40))
			}
		}
		if n == 0 {
			c.add(oaiCC8, e.Event, "finish_reason tool_calls, but choice %d streamed no tool call", i)
		}
	}
}

func (c *chatChecker) cc9Usage(e jsonEvent) {
	if c.usageWaiting {
		c.usageWaiting = false
		if e.Data != "[DONE]" {
			c.add(oaiCC9, c.usageEvent, "the usage chunk is not immediately followed by [DONE]")
		}
	}
	u, has := e.obj["usage"]
	if !has || u == nil {
		return
	}
	if c.usageAt > 0 {
		c.add(oaiCC9, e.Event, "usage again (it was on event %d); only one final chunk carries it", c.usageAt)
		return
	}
	c.usageAt, c.usageEvent, c.usageWaiting = e.N, e.Event, true
	if len(arr(e.obj["choices"])) != 0 {
		c.add(oaiCC9, e.Event, "the usage chunk has choices; it must have choices: []")
	}
	uo := obj(u)
	p, _ := num(uo["prompt_tokens"])
	q, _ := num(uo["completion_tokens"])
	tot, _ := num(uo["total_tokens"])
	if math.Abs(p+q-tot) > 0.5 {
		c.add(oaiCC9, e.Event, "total_tokens %v is not prompt_tokens %v + completion_tokens %v", tot, p, q)
	}
}

func (c *chatChecker) cc10Error(e jsonEvent) {
	if c.errorAt > 0 && !c.afterError && e.Data != "[DONE]" {
		c.afterError = true
		c.add(oaiCC10, e.Event, "an event after the error object (event %d); the error is terminal", c.errorAt)
	}
}

func (c *chatChecker) cc11ErrorNull(e jsonEvent) {
	if v, has := e.obj["error"]; has && v == nil {
		c.add(oaiCC11, e.Event, "a top-level \"error\": null; openai-go treats any error key as an error")
	}
}
