package assert_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/sse"
)

// validStreams are a valid stream of each format, as LF SSE text.
func validStreams(t testing.TB) map[string]string {
	tt, ok := t.(*testing.T)
	if !ok {
		tt = &testing.T{}
	}
	return map[string]string{
		"openai-chat":      fixtureBody(tt, "openai-chat.yaml"),
		"anthropic":        fixtureBody(tt, "anthropic.yaml"),
		"openai-responses": fixtureBody(tt, "openai-responses.yaml"),
		"agent":            fixtureBody(tt, "agent.yaml"),
		"gemini":           geminiValid,
		"vercel-ai":        vercelValid,
		"mcp":              mcpValid,
		"langgraph":        langgraphValid,
	}
}

// withoutFields yields the stream once for every JSON field of every event
// (at any depth) removed, and once with each field's value set to null and
// to an object: the shapes a short or hostile stream takes.
func withoutFields(body string, yield func(name, variant string)) {
	bs := blocks(eols(body)["lf"])
	for i, b := range bs {
		lines := strings.Split(b, "\n")
		for j, l := range lines {
			data, ok := strings.CutPrefix(l, "data: ")
			if !ok {
				continue
			}
			var v any
			if json.Unmarshal([]byte(data), &v) != nil {
				continue
			}
			for k, edited := range editsOf(v, "") {
				out, _ := json.Marshal(edited)
				nl := append([]string(nil), lines...)
				nl[j] = "data: " + string(out)
				nb := append([]string(nil), bs...)
				nb[i] = strings.Join(nl, "\n")
				yield(fmt.Sprintf("block %d %s", i+1, k), strings.Join(nb, ""))
			}
		}
	}
}

// editsOf is every one-field edit of a JSON value: each field removed,
// set to null, set to {} (by its path).
func editsOf(v any, path string) map[string]any {
	out := map[string]any{}
	m, ok := v.(map[string]any)
	if !ok {
		return out
	}
	for k, x := range m {
		for _, how := range []string{"removed", "null", "object"} {
			c := clone(m)
			switch how {
			case "removed":
				delete(c, k)
			case "null":
				c[k] = nil
			case "object":
				c[k] = map[string]any{}
			}
			out[path+"."+k+" "+how] = c
		}
		for sub, edited := range editsOf(x, path+"."+k) {
			c := clone(m)
			c[k] = edited
			out[sub] = c
		}
		if a, ok := x.([]any); ok {
			for i, item := range a {
				for sub, edited := range editsOf(item, fmt.Sprintf("%s.%s[%d]", path, k, i)) {
					c := clone(m)
					na := append([]any(nil), a...)
					na[i] = edited
					c[k] = na
					out[sub] = c
				}
			}
		}
	}
	return out
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

var everyContract = []func() *assert.Contract{assert.Generic, assert.Agent, assert.OpenAIChat, assert.OpenAIResponses,
	assert.Anthropic, assert.Gemini, assert.VercelAI, assert.MCP, assert.LangGraph}

// Every preset survives every stream of every format with any one field
// removed, nulled or made an object: the class of a field assumed present
// (a nil dereference) or a value assumed comparable.
func TestPresetsSurviveMissingFields(t *testing.T) {
	n := 0
	for format, body := range validStreams(t) {
		withoutFields(body, func(name, variant string) {
			n++
			evs := decode(t, []byte(variant))
			for _, c := range everyContract {
				func() {
					defer func() {
						if v := recover(); v != nil {
							t.Fatalf("%s on %s with %s: panic %v", c().Name, format, name, v)
						}
					}()
					assert.Check(c(), "x", evs)
				}()
			}
		})
	}
	if n < 200 {
		t.Fatalf("only %d variants: the fixtures lost their fields?", n)
	}
}

// The Vercel stream of the report: a tool-input-start with no toolCallId.
func TestVercelToolCallWithoutID(t *testing.T) {
	body := "data: {\"type\":\"start\"}\n\ndata: {\"type\":\"tool-input-start\",\"toolName\":\"x\"}\n\ndata: [DONE]\n\n"
	r := assert.Check(assert.VercelAI(), "x", decode(t, []byte(body)))
	if got := strings.Join(rules(r, assert.Error), " "); !strings.Contains(got, "VAI-6") {
		t.Errorf("errors %v, want VAI-6 for the missing toolCallId", got)
	}
}

// Each preset reports a broken rule as soon as the events decide it, before
// the stream ends: what --fail-fast and a live monitor need.
func TestPresetsJudgeAsTheEventsCome(t *testing.T) {
	streams := validStreams(t)
	cases := []struct {
		preset func() *assert.Contract
		format string
		edit   func([]string) []string
		rule   string
	}{
		{assert.Agent, "agent", insert(0, "event: done\ndata: {\"type\":\"done\"}\n\n"), "AGT-1"},
		{assert.OpenAIChat, "openai-chat", insert(0, "data: [DONE]\n\n"), "OAI-CC-1"},
		{assert.OpenAIChat, "openai-chat", insert(1, "event: x\ndata: {}\n\n"), "OAI-CC-2"},
		{assert.Anthropic, "anthropic", insert(1, "data: {\"type\":\"ping\"}\n\n"), "ANT-1"},
		{assert.Anthropic, "anthropic", insert(1, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), "ANT-8"},
		{assert.OpenAIResponses, "openai-responses", remove(0), "OAI-R-3"},
		{assert.Gemini, "gemini", insert(1, "data: [DONE]\n\n"), "GEM-2"},
		{assert.VercelAI, "vercel-ai", insert(2, "data: {\"type\":\"text-delta\",\"id\":\"nope\",\"delta\":\"x\"}\n\n"), "VAI-4"},
		{assert.MCP, "mcp", insert(1, "event: weird\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n"), "MCP-6"},
		{assert.LangGraph, "langgraph", insert(1, "event: metadata\ndata: {}\n\n"), "LG-1"},
	}
	for _, c := range cases {
		bs := c.edit(blocks(eols(streams[c.format])["lf"]))
		evs := decode(t, []byte(strings.Join(bs, "")))
		// Feed all but the last event: the stream is still open.
		ch := c.preset().New()
		for _, e := range evs[:len(evs)-1] {
			ch.Event(e)
		}
		found := assert.Found(ch)
		var got []string
		for _, v := range found {
			got = append(got, v.Rule)
		}
		if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+c.rule+" ") {
			t.Errorf("%s: %s not found before the end (found %v)", c.preset().Name, c.rule, got)
		}
	}
}

// An id the very next event repeats is a repeat: the rules tell an event
// that carries an id: field (the raw view shows it) from one that inherits
// the last event ID.
func TestRepeatedIDOnTheNextEvent(t *testing.T) {
	cases := []struct {
		c    func() *assert.Contract
		body string
		rule string
	}{
		{assert.Generic, "id: 1\ndata: {}\n\nid: 1\ndata: {}\n\n", "SSE-4"},
		{assert.MCP, "id: s_1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"a\"}\n\nid: s_1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"b\"}\n\n", "MCP-5"},
		{assert.LangGraph, "event: metadata\nid: 1\ndata: {\"run_id\":\"r\"}\n\nevent: values\nid: 1\ndata: {}\n\n", "LG-10"},
	}
	for _, c := range cases {
		sc := assert.NewStreamCheck(c.c(), assert.Meta{Name: "x"})
		d := sse.NewDecoder(strings.NewReader(c.body))
		for {
			b, err := d.NextBlock()
			if err != nil {
				break
			}
			sc.Block(b, 0, false)
		}
		r := sc.End()
		if got := strings.Join(rules(r, assert.Error), " "); !strings.Contains(got, c.rule) {
			t.Errorf("%s: errors %q, want %s for the repeated id", c.c().Name, got, c.rule)
		}
	}
	// Inherited: the second event has no id: field of its own.
	sc := assert.NewStreamCheck(assert.Generic(), assert.Meta{Name: "x"})
	d := sse.NewDecoder(strings.NewReader("id: 1\ndata: {}\n\ndata: {}\n\n"))
	for {
		b, err := d.NextBlock()
		if err != nil {
			break
		}
		sc.Block(b, 0, false)
	}
	if r := sc.End(); len(rules(r, assert.Error)) != 0 {
		t.Errorf("an inherited id reported: %+v", r.Violations)
	}
}
