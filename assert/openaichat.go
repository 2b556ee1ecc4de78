package assert

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The openai-chat preset: OpenAI Chat Completions streaming
// (FORMATS.md §(a)), data-only chunks ending in data: [DONE].
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

// OpenAIChat is the openai-chat preset.
var openAIChatContract = &Contract{
	Name:  "openai-chat",
	New:   func() Checker { return &collector{check: checkOpenAIChat} },
	Rules: []Rule{oaiCC1, oaiCC2, oaiCC3, oaiCC4, oaiCC5, oaiCC6, oaiCC7, oaiCC7s, oaiCC8, oaiCC9, oaiCC10, oaiCC11},
}

func checkOpenAIChat(c *collector) {
	for _, rule := range []func(*collector){oaiCC1Done, oaiCC2Shape, oaiCC3Constant, oaiCC4Role, oaiCC5Finish, oaiCC6to8Tools, oaiCC9Usage, oaiCC10Error, oaiCC11ErrorNull} {
		rule(c)
	}
}

// errorIndex is the event number of the first error object, 0 for none.
func errorIndex(c *collector) int {
	for _, e := range c.events {
		if _, ok := e.obj["error"]; ok && e.obj["error"] != nil {
			return e.N
		}
	}
	return 0
}

func oaiCC1Done(c *collector) {
	var dones []int
	for _, e := range c.events {
		if e.Data == "[DONE]" {
			dones = append(dones, e.N)
		}
	}
	switch {
	case len(dones) == 0 && errorIndex(c) == 0:
		c.add(oaiCC1, c.last(), "the stream ended without data: [DONE] (truncated)")
	case len(dones) > 1:
		c.add(oaiCC1, c.events[dones[1]-1].Event, "[DONE] again (the first was event %d)", dones[0])
	}
	if len(dones) > 0 && dones[0] != len(c.events) {
		c.add(oaiCC1, c.events[dones[0]].Event, "an event after [DONE] (event %d); [DONE] must be last", dones[0])
	}
}

func oaiCC2Shape(c *collector) {
	for _, e := range c.events {
		if e.Type != "" {
			c.add(oaiCC2, e.Event, "event: %s; Chat Completions chunks have no event: field", e.Type)
		}
		if e.Data != "[DONE]" && e.obj == nil {
			c.add(oaiCC2, e.Event, "the data is not one JSON object")
		}
	}
}

func oaiCC3Constant(c *collector) {
	var first *jsonEvent
	for i := range c.events {
		e := &c.events[i]
		if e.obj == nil || e.obj["error"] != nil {
			continue
		}
		if o, _ := str(e.obj["object"]); o != "chat.completion.chunk" {
			c.add(oaiCC3, e.Event, "object is %q; expected chat.completion.chunk", o)
		}
		if first == nil {
			first = e
			continue
		}
		for _, k := range []string{"id", "created", "model", "system_fingerprint"} {
			a, b := first.obj[k], e.obj[k]
			if k == "system_fingerprint" && (a == nil || b == nil) {
				continue
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				c.add(oaiCC3, e.Event, "%s is %v; the first chunk (event %d) had %v", k, b, first.N, a)
			}
		}
	}
}

// choiceDeltas calls fn for every choice of every chunk, in order.
func choiceDeltas(c *collector, fn func(e jsonEvent, index int, choice, delta map[string]any)) {
	for _, e := range c.events {
		for _, ch := range arr(e.obj["choices"]) {
			choice := obj(ch)
			idx, _ := num(choice["index"])
			fn(e, int(idx), choice, obj(choice["delta"]))
		}
	}
}

func oaiCC4Role(c *collector) {
	seen := map[int]int{} // choice -> deltas seen
	choiceDeltas(c, func(e jsonEvent, i int, _, delta map[string]any) {
		if _, has := delta["role"]; has && seen[i] > 0 {
			c.add(oaiCC4, e.Event, "delta.role in choice %d's delta %d; only its first delta carries the role", i, seen[i]+1)
		}
		seen[i]++
	})
}

func oaiCC5Finish(c *collector) {
	finished := map[int]int{}
	var order []int
	choiceDeltas(c, func(e jsonEvent, i int, choice, delta map[string]any) {
		if !slices.Contains(order, i) {
			order = append(order, i)
		}
		if at := finished[i]; at > 0 {
			if s, _ := str(delta["content"]); s != "" || delta["tool_calls"] != nil {
				c.add(oaiCC5, e.Event, "content for choice %d after its finish_reason (event %d)", i, at)
			}
		}
		if fr, ok := choice["finish_reason"]; ok && fr != nil {
			if finished[i] > 0 {
				c.add(oaiCC5, e.Event, "a second finish_reason for choice %d (the first was event %d)", i, finished[i])
			} else {
				finished[i] = e.N
			}
		}
	})
	if errorIndex(c) > 0 {
		return
	}
	for _, i := range order {
		if finished[i] == 0 {
			c.add(oaiCC5, c.last(), "choice %d never got a finish_reason", i)
		}
	}
}

func oaiCC6to8Tools(c *collector) {
	type call struct {
		started int
		args    strings.Builder
	}
	calls := map[string]*call{} // "choice/index"
	next := map[int]int{}       // choice -> the next new index expected
	current := map[int]int{}    // choice -> the index of the call streaming now
	finish := map[int]string{}
	finishEv := map[int]Event{}
	choiceDeltas(c, func(e jsonEvent, i int, choice, delta map[string]any) {
		if fr, ok := str(choice["finish_reason"]); ok {
			finish[i], finishEv[i] = fr, e.Event
		}
		for _, tc := range arr(delta["tool_calls"]) {
			t := obj(tc)
			kf, _ := num(t["index"])
			k := int(kf)
			key := fmt.Sprintf("%d/%d", i, k)
			fn := obj(t["function"])
			cl := calls[key]
			if cl == nil {
				if k != next[i] {
					c.add(oaiCC7, e.Event, "tool call index %d starts before %d; indexes come 0, 1, 2, ... without gaps", k, next[i])
				}
				next[i] = max(next[i], k+1)
				cl = &call{started: e.N}
				calls[key] = cl
				id, _ := str(t["id"])
				typ, _ := str(t["type"])
				name, _ := str(fn["name"])
				if id == "" || typ != "function" || name == "" {
					c.add(oaiCC6, e.Event, "the first fragment of tool call %d lacks id, type \"function\" or function.name", k)
				}
				current[i] = k
			} else {
				if t["id"] != nil || fn["name"] != nil {
					c.add(oaiCC6, e.Event, "a later fragment of tool call %d carries id or function.name again", k)
				}
				if current[i] != k {
					c.add(oaiCC7s, e.Event, "a fragment for tool call %d after call %d started", k, current[i])
				}
			}
			if a, ok := str(fn["arguments"]); ok {
				cl.args.WriteString(a)
			}
		}
	})
	for i, fr := range finish {
		if fr != "tool_calls" {
			continue
		}
		n := 0
		for key, cl := range calls {
			if strings.HasPrefix(key, fmt.Sprintf("%d/", i)) {
				n++
				if !json.Valid([]byte(cl.args.String())) {
					c.add(oaiCC8, c.events[cl.started-1].Event, "tool call %s's arguments do not parse as JSON: %q", key, excerpt(cl.args.String(), 40))
				}
			}
		}
		if n == 0 {
			c.add(oaiCC8, finishEv[i], "finish_reason tool_calls, but choice %d streamed no tool call", i)
		}
	}
}

func oaiCC9Usage(c *collector) {
	var final *jsonEvent
	for i := range c.events {
		e := &c.events[i]
		u, has := e.obj["usage"]
		if !has || u == nil {
			continue
		}
		if final != nil {
			c.add(oaiCC9, e.Event, "usage again (it was on event %d); only one final chunk carries it", final.N)
			continue
		}
		final = e
	}
	if final == nil {
		return
	}
	if len(arr(final.obj["choices"])) != 0 {
		c.add(oaiCC9, final.Event, "the usage chunk has choices; it must have choices: []")
	}
	if next := final.N; next >= len(c.events) || c.events[next].Data != "[DONE]" {
		c.add(oaiCC9, final.Event, "the usage chunk is not immediately followed by [DONE]")
	}
	u := obj(final.obj["usage"])
	p, _ := num(u["prompt_tokens"])
	q, _ := num(u["completion_tokens"])
	tot, _ := num(u["total_tokens"])
	if math.Abs(p+q-tot) > 0.5 {
		c.add(oaiCC9, final.Event, "total_tokens %v is not prompt_tokens %v + completion_tokens %v", tot, p, q)
	}
}

func oaiCC10Error(c *collector) {
	at := errorIndex(c)
	if at == 0 {
		return
	}
	for _, e := range c.events[at:] {
		if e.Data != "[DONE]" {
			c.add(oaiCC10, e.Event, "an event after the error object (event %d); the error is terminal", at)
			return
		}
	}
}

func oaiCC11ErrorNull(c *collector) {
	for _, e := range c.events {
		if v, has := e.obj["error"]; has && v == nil {
			c.add(oaiCC11, e.Event, "a top-level \"error\": null; openai-go treats any error key as an error")
		}
	}
}
