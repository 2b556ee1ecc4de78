package assert

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// The vercel-ai preset: the AI SDK's UI message stream protocol v1
// (FORMATS.md §(f)). VAI-1 is about response headers, which a list of
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

// VercelAI is the vercel-ai preset.
var vercelAIContract = &Contract{
	Name:  "vercel-ai",
	New:   func() Checker { return &collector{check: checkVercel} },
	Rules: []Rule{vai2, vai3, vai3s, vai4, vai5, vai6, vai7, vai8, vai9},
}

var vaiTypes = []string{"start", "finish", "abort", "message-metadata", "start-step", "finish-step", "text-start", "text-delta", "text-end",
	"reasoning-start", "reasoning-delta", "reasoning-end", "tool-input-start", "tool-input-delta", "tool-input-available", "tool-input-error",
	"tool-approval-request", "tool-output-available", "tool-output-error", "tool-output-denied", "source-url", "source-document", "file", "error"}

func checkVercel(c *collector) {
	type toolCall struct {
		started, input, approval bool
		deltas                   strings.Builder
		outputs                  int
	}
	openText, openReasoning := map[string]int{}, map[string]int{}
	closedText, closedReasoning := map[string]bool{}, map[string]bool{}
	tools := map[string]*toolCall{}
	finishAt, inStep := 0, false
	for i, e := range c.events {
		if e.Data == "[DONE]" {
			if i != len(c.events)-1 {
				c.add(vai2, e.Event, "data: [DONE] before the end; it comes once, last")
			}
			continue
		}
		t, _ := str(e.obj["type"])
		if e.obj == nil || (!slices.Contains(vaiTypes, t) && !strings.HasPrefix(t, "data-")) {
			c.add(vai2, e.Event, "%q is not a part type of the protocol", t)
			continue
		}
		if finishAt > 0 {
			c.add(vai3, e.Event, "%s after finish (event %d); only [DONE] may follow", t, finishAt)
		}
		id, _ := str(e.obj["id"])
		call, _ := str(e.obj["toolCallId"])
		tc := tools[call]
		if tc == nil && call != "" {
			tc = &toolCall{}
			tools[call] = tc
		}
		open := func(m map[string]int, closed map[string]bool, r Rule, kind string) {
			if _, ok := m[id]; ok || closed[id] {
				c.add(r, e.Event, "%s-start again for id %q", kind, id)
			}
			m[id] = e.N
		}
		use := func(m map[string]int, r Rule, what string) bool {
			if _, ok := m[id]; !ok {
				c.add(r, e.Event, "%s for id %q, which is not open (the client throws)", what, id)
				return false
			}
			return true
		}
		switch t {
		case "start":
			if i > 0 {
				c.add(vai3s, e.Event, "start again (tolerated when streams are merged)")
			}
		case "finish", "abort":
			finishAt = e.N
		case "text-start":
			open(openText, closedText, vai4, "text")
		case "text-delta":
			use(openText, vai4, "text-delta")
		case "text-end":
			if use(openText, vai4, "text-end") {
				delete(openText, id)
				closedText[id] = true
			}
		case "reasoning-start":
			open(openReasoning, closedReasoning, vai5, "reasoning")
		case "reasoning-delta":
			use(openReasoning, vai5, "reasoning-delta")
		case "reasoning-end":
			if use(openReasoning, vai5, "reasoning-end") {
				delete(openReasoning, id)
				closedReasoning[id] = true
			}
		case "tool-input-start":
			tc.started = true
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
		case "start-step":
			if inStep {
				c.add(vai8, e.Event, "start-step inside a step")
			}
			inStep = true
		case "finish-step":
			if !inStep {
				c.add(vai8, e.Event, "finish-step without start-step")
			}
			inStep = false
			for id := range openText {
				c.add(vai8, e.Event, "finish-step with text %q still open (the client resets it)", id)
			}
			for id := range openReasoning {
				c.add(vai8, e.Event, "finish-step with reasoning %q still open", id)
			}
		default:
			if strings.HasPrefix(t, "data-") {
				if _, ok := e.obj["data"]; !ok {
					c.add(vai9, e.Event, "%s without data", t)
				}
			}
		}
	}
	for id, n := range openText {
		c.add(vai4, c.events[n-1].Event, "text %q never got its text-end", id)
	}
	for id, n := range openReasoning {
		c.add(vai5, c.events[n-1].Event, "reasoning %q never got its reasoning-end", id)
	}
	for call, tc := range tools {
		if tc.started && !tc.input {
			c.add(vai6, c.last(), "tool call %q never got tool-input-available or tool-input-error", call)
		}
	}
}
