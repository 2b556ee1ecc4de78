package assert_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/fixtures"
	"github.com/ssetape/ssetape/sse"
)

// fixtureBody returns the body of a fixture cassette's first interaction.
func fixtureBody(t *testing.T, name string) string {
	data, _ := fixtures.FS.ReadFile(name)
	c, err := cassette.Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	chunks, _, _ := c.Interactions[0].Response.Chunks(true)
	var b strings.Builder
	for _, ch := range chunks {
		b.Write(ch.Data)
	}
	return b.String()
}

// blocks splits an LF stream into its blocks (each with its blank line).
func blocks(s string) []string {
	var out []string
	for _, b := range strings.SplitAfter(s, "\n\n") {
		if b != "" {
			out = append(out, b)
		}
	}
	return out
}

func checkRules(t *testing.T, c *assert.Contract, name, body string) (errs, warns []string) {
	t.Helper()
	all := eols(body)
	for _, eol := range []string{"lf", "crlf", "cr"} {
		b := all[eol]
		r := assert.Check(c, name, decode(t, []byte(b)))
		e, w := rules(r, assert.Error), rules(r, assert.Warning)
		if eol == "lf" {
			errs, warns = e, w
		} else if strings.Join(e, " ") != strings.Join(errs, " ") {
			t.Errorf("%s: %s gives %v, lf gives %v", name, eol, e, errs)
		}
	}
	return errs, warns
}

type mutation struct {
	name string
	edit func(bs []string) []string
	want string // the rule that must be among the errors ("" : passes)
	warn string // a rule that must be among the warnings
}

func runMutations(t *testing.T, c *assert.Contract, valid string, muts []mutation) {
	if errs, _ := checkRules(t, c, "valid", valid); len(errs) != 0 {
		t.Fatalf("the valid stream fails: %v", errs)
	}
	for _, m := range muts {
		body := strings.Join(m.edit(blocks(valid)), "")
		errs, warns := checkRules(t, c, m.name, body)
		switch {
		case m.want == "" && len(errs) > 0:
			t.Errorf("%s: a valid variant fails with %v", m.name, errs)
		case m.want != "" && !strings.Contains(" "+strings.Join(errs, " ")+" ", " "+m.want+" "):
			t.Errorf("%s: want %s among the errors, got %v", m.name, m.want, errs)
		}
		if m.warn != "" && !strings.Contains(strings.Join(warns, " "), m.warn) {
			t.Errorf("%s: want warning %s, got %v", m.name, m.warn, warns)
		}
		// --contract auto must still recognise a broken stream's format.
		if got := assert.Detect(decode(t, []byte(body))); got != c {
			name := "nothing"
			if got != nil {
				name = got.Name
			}
			t.Errorf("%s: auto detects %s, want %s", m.name, name, c.Name)
		}
	}
}

func replace(i int, old, new string) func([]string) []string {
	return func(bs []string) []string {
		out := append([]string(nil), bs...)
		if i < 0 {
			i = len(out) + i
		}
		out[i] = strings.Replace(out[i], old, new, 1)
		return out
	}
}

func remove(i int) func([]string) []string {
	return func(bs []string) []string {
		if i < 0 {
			i = len(bs) + i
		}
		return append(append([]string(nil), bs[:i]...), bs[i+1:]...)
	}
}

func insert(i int, block string) func([]string) []string {
	return func(bs []string) []string {
		if i < 0 {
			i = len(bs) + i
		}
		return append(append(append([]string(nil), bs[:i]...), block), bs[i:]...)
	}
}

func TestOpenAIChatPreset(t *testing.T) {
	valid := fixtureBody(t, "openai-chat.yaml")
	n := len(blocks(valid))
	tool := func(frag string) string {
		return `data: {"id":"chatcmpl-Aq7x2ZfXw1","object":"chat.completion.chunk","created":1763892000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"tool_calls":[` + frag + `]},"finish_reason":null}],"usage":null}` + "\n\n"
	}
	runMutations(t, assert.OpenAIChat(), valid, []mutation{
		{"no [DONE]", remove(-1), "OAI-CC-1", ""},
		{"[DONE] twice", insert(-1, "data: [DONE]\n\n"), "OAI-CC-1", ""},
		{"an event name", replace(1, "data: ", "event: chunk\ndata: "), "OAI-CC-2", ""},
		{"not json", insert(1, "data: hello\n\n"), "OAI-CC-2", ""},
		{"model changes", replace(3, `"model":"gpt-4o-mini-2024-07-18"`, `"model":"gpt-4o"`), "OAI-CC-3", ""},
		{"role twice", replace(2, `"delta":{"content"`, `"delta":{"role":"assistant","content"`), "OAI-CC-4", ""},
		{"no finish_reason", replace(n-3, `"finish_reason":"stop"`, `"finish_reason":null`), "OAI-CC-5", ""},
		{"content after finish", insert(n-2, strings.Replace(blocks(valid)[2], "\n\n", "\n\n", 1)), "OAI-CC-5", ""},
		{"tool call without name", insert(1, tool(`{"index":0,"id":"call_1","type":"function","function":{"arguments":""}}`)), "OAI-CC-6", ""},
		{"tool call index gap", insert(1, tool(`{"index":1,"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}`)), "OAI-CC-7", ""},
		{"tool_calls finish without calls", replace(n-3, `"finish_reason":"stop"`, `"finish_reason":"tool_calls"`), "OAI-CC-8", ""},
		{"bad arguments", func(bs []string) []string {
			bs = insert(1, tool(`{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}`))(bs)
			return replace(n-2, `"finish_reason":"stop"`, `"finish_reason":"tool_calls"`)(bs)
		}, "OAI-CC-8", ""},
		{"usage sum", replace(n-2, `"total_tokens":23`, `"total_tokens":99`), "OAI-CC-9", ""},
		{"usage not last", func(bs []string) []string { u := bs[n-2]; bs = remove(n - 2)(bs); return insert(1, u)(bs) }, "OAI-CC-9", ""},
		{"error mid-stream then more", insert(3, `data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}`+"\n\n"), "OAI-CC-10", ""},
		{"error ends the stream (valid)", func(bs []string) []string {
			return append(append([]string(nil), bs[:3]...), `data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}`+"\n\n")
		}, "", ""},
		{"error: null", replace(1, `"usage":null`, `"usage":null,"error":null`), "", "OAI-CC-11"},
	})
}

func TestAnthropicPreset(t *testing.T) {
	valid := fixtureBody(t, "anthropic.yaml")
	n := len(blocks(valid))
	runMutations(t, assert.Anthropic(), valid, []mutation{
		{"no event line", replace(3, "event: content_block_delta\n", ""), "ANT-1", ""},
		{"name differs", replace(3, "event: content_block_delta", "event: content_block_stop"), "ANT-2", ""},
		{"two message_start", insert(1, blocks(valid)[0]), "ANT-3", ""},
		{"message_start not first", func(bs []string) []string { return append([]string{bs[1], bs[0]}, bs[2:]...) }, "ANT-3", ""},
		{"ping first (valid)", insert(0, "event: ping\ndata: {\"type\": \"ping\"}\n\n"), "", ""},
		{"block index wrong", replace(1, `"index":0`, `"index":1`), "ANT-4", ""},
		{"delta after stop", insert(n-2, blocks(valid)[3]), "ANT-4", ""},
		{"never stopped", remove(n - 3), "ANT-4", ""},
		{"delta type mismatch", replace(3, `"type":"text_delta","text"`, `"type":"input_json_delta","partial_json"`), "ANT-5", ""},
		{"no message_delta", remove(n - 2), "ANT-7", ""},
		{"no stop_reason", replace(n-2, `"stop_reason":"end_turn"`, `"stop_reason":null`), "ANT-7", ""},
		{"no message_stop", remove(n - 1), "ANT-8", ""},
		{"after message_stop", insert(n, blocks(valid)[2]), "ANT-8", ""},
		{"tool_use without a tool block", replace(n-2, `"stop_reason":"end_turn"`, `"stop_reason":"tool_use"`), "ANT-9", ""},
		{"overloaded error ends it (valid)", func(bs []string) []string {
			return append(append([]string(nil), bs[:3]...), `event: error`+"\n"+`data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`+"\n\n")
		}, "", ""},
		{"error then more", insert(3, `event: error`+"\n"+`data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`+"\n\n"), "ANT-10", ""},
		{"unknown type", insert(2, "event: new_thing\ndata: {\"type\":\"new_thing\"}\n\n"), "", "ANT-11"},
	})
}

func TestOpenAIResponsesPreset(t *testing.T) {
	valid := fixtureBody(t, "openai-responses.yaml")
	n := len(blocks(valid))
	// blocks: 0 created, 1 in_progress, 2 item.added, 3 part.added, 4-7 deltas, 8 text.done, 9 part.done, 10 item.done, 11 completed
	runMutations(t, assert.OpenAIResponses(), valid, []mutation{
		{"name differs", replace(4, "event: response.output_text.delta", "event: response.output_text.done"), "OAI-R-1", ""},
		{"sequence goes back", replace(5, `"sequence_number":5`, `"sequence_number":2`), "OAI-R-2", ""},
		{"sequence skips (observed +1)", replace(n-1, `"sequence_number":11`, `"sequence_number":20`), "", "OAI-R-2"},
		{"created not first", func(bs []string) []string { return append([]string{bs[1], bs[0]}, bs[2:]...) }, "OAI-R-3", ""},
		{"no terminal event", remove(n - 1), "OAI-R-3", ""},
		{"text before its item", remove(2), "OAI-R-4", ""},
		{"item never done", remove(10), "OAI-R-4", ""},
		{"text before its part", remove(3), "OAI-R-5", ""},
		{"wrong item_id", replace(5, `"item_id":"msg_68f1c2aa4c648190"`, `"item_id":"msg_other"`), "OAI-R-6", ""},
		{"deltas do not add up", replace(5, `"delta":" keeps"`, `"delta":" loses"`), "OAI-R-7", ""},
		{"delta after item done", insert(11, strings.Replace(blocks(valid)[4], `"sequence_number":4`, `"sequence_number":10`, 1)), "OAI-R-8", ""},
		{"completed with wrong status", replace(n-1, `"status":"completed","model"`, `"status":"in_progress","model"`), "OAI-R-9", ""},
		{"response id changes", replace(1, `"id":"resp_68f1c2a9b0e4819"`, `"id":"resp_other"`), "OAI-R-10", ""},
		{"a failed run (valid)", func(bs []string) []string {
			return append(append([]string(nil), bs[:2]...), `event: response.failed`+"\n"+`data: {"type":"response.failed","sequence_number":2,"response":{"id":"resp_68f1c2a9b0e4819","status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}}`+"\n\n")
		}, "", ""},
	})
}

func TestDetect(t *testing.T) {
	if c := assert.Detect(decode(t, []byte(geminiValid))); c != assert.Gemini() {
		t.Errorf("gemini detected as %v", c)
	}
	if c := assert.Detect(decode(t, []byte(langgraphValid))); c != assert.LangGraph() {
		t.Errorf("langgraph detected as %v", c)
	}
	if c := assert.Detect(decode(t, []byte(mcpValid))); c != assert.MCP() {
		t.Errorf("mcp detected as %v", c)
	}
	if c := assert.Detect(decode(t, []byte(vercelValid))); c != assert.VercelAI() {
		t.Errorf("vercel-ai detected as %v", c)
	}
	for name, want := range map[string]string{"openai-chat.yaml": "openai-chat", "anthropic.yaml": "anthropic", "openai-responses.yaml": "openai-responses"} {
		if c := assert.Detect(decode(t, []byte(fixtureBody(t, name)))); c == nil || c.Name != want {
			t.Errorf("%s: detected %v", name, c)
		}
	}
	data, _ := fixtures.FS.ReadFile("raw/agent.sse")
	if c := assert.Detect(decode(t, data)); c != assert.Agent() {
		t.Errorf("agent stream detected as %v", c)
	}
	// A stream holding only an error object still tells its format, and
	// passes that preset (an error is a valid end).
	for body, want := range map[string]*assert.Contract{
		"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n": assert.Anthropic(),
		"data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n":               assert.OpenAIChat(),
		"data: {\"error\":{\"code\":503,\"message\":\"busy\",\"status\":\"UNAVAILABLE\"}}\n\n":                              assert.Gemini(),
	} {
		evs := decode(t, []byte(body))
		c := assert.Detect(evs)
		if c != want {
			t.Errorf("%q: detected %v, want %s", body, c, want.Name)
			continue
		}
		if r := assert.Check(c, "error only", evs); len(r.Violations) != 0 {
			t.Errorf("%q: %s finds %v", body, c.Name, r.Violations)
		}
	}
	if c := assert.Detect(decode(t, []byte("data: hello\n\ndata: world\n\n"))); c != nil {
		t.Errorf("plain text detected as %s", c.Name)
	}
}

func TestDetectPath(t *testing.T) {
	for path, want := range map[string]*assert.Contract{
		"/v1/chat/completions": assert.OpenAIChat(),
		"/openai/deployments/gpt/chat/completions?api-version=2024-10-21": assert.OpenAIChat(),
		"/v1/responses": assert.OpenAIResponses(),
		"/v1/messages":  assert.Anthropic(),
		"/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse": assert.Gemini(),
		"/threads/t1/runs/stream":    assert.LangGraph(),
		"/runs/stream":               assert.LangGraph(),
		"/threads/t1/runs/r1/stream": assert.LangGraph(),
		"/mcp":                       assert.MCP(),
		"/mcp/":                      assert.MCP(),
		"/api/chat":                  nil, // the agent sample and the AI SDK both use it
		"/":                          nil,
		"":                           nil,
		"/v1/messages/count_tokens":  nil,
	} {
		if got := assert.DetectPath(path); got != want {
			t.Errorf("DetectPath(%q) = %v, want %v", path, got, want)
		}
	}
}

const geminiValid = `data: {"candidates": [{"content": {"parts": [{"text": "Replay","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 1,"totalTokenCount": 10},"modelVersion": "gemini-2.5-flash","responseId": "r1"}

data: {"candidates": [{"content": {"parts": [{"text": "Streams "}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 3,"totalTokenCount": 12},"modelVersion": "gemini-2.5-flash","responseId": "r1"}

data: {"candidates": [{"content": {"parts": [{"functionCall": {"name": "search","args": {"q": "sse"}}}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 5,"totalTokenCount": 14},"modelVersion": "gemini-2.5-flash","responseId": "r1"}

data: {"candidates": [{"content": {"parts": [{"text": "end."}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 7,"totalTokenCount": 16},"modelVersion": "gemini-2.5-flash","responseId": "r1"}

`

func TestGeminiPreset(t *testing.T) {
	runMutations(t, assert.Gemini(), geminiValid, []mutation{
		{"event field", replace(1, "data: ", "event: chunk\ndata: "), "GEM-1", ""},
		{"pretty-printed", replace(1, `{"candidates": [`, "{\ndata: \"candidates\": ["), "GEM-1", ""},
		{"[DONE]", insert(4, "data: [DONE]\n\n"), "GEM-2", ""},
		{"no finishReason", replace(3, `"finishReason": "STOP",`, ""), "GEM-3", ""},
		{"after finishReason", insert(4, blocks(geminiValid)[1]), "GEM-3", ""},
		{"responseId changes", replace(2, `"responseId": "r1"`, `"responseId": "r2"`), "GEM-4", ""},
		{"tokens go down", replace(2, `"candidatesTokenCount": 5`, `"candidatesTokenCount": 2`), "GEM-5", ""},
		{"final total wrong", replace(3, `"totalTokenCount": 16`, `"totalTokenCount": 20`), "GEM-5", ""},
		{"role user", replace(1, `"role": "model"`, `"role": "user"`), "GEM-6", ""},
		{"two data fields", replace(1, `{"text": "Streams "}`, `{"text": "Streams ","inlineData": {}}`), "GEM-6", ""},
		{"thought after text", replace(3, `{"text": "end."}`, `{"text": "end.","thought": true}`), "", "GEM-6"},
		{"partial args", replace(2, `"args": {"q": "sse"}`, `"partialArgs": [{"jsonPath": "$.q"}]`), "GEM-7", ""},
		{"error then more", insert(2, `data: {"error": {"code": 503,"message": "overloaded","status": "UNAVAILABLE"}}`+"\n\n"), "GEM-8", ""},
		{"error ends it (valid)", func(bs []string) []string {
			return append(append([]string(nil), bs[:2]...), `data: {"error": {"code": 503,"message": "overloaded","status": "UNAVAILABLE"}}`+"\n\n")
		}, "", ""},
	})
}

const vercelValid = `: stream-open

data: {"type":"start","messageId":"m1"}

data: {"type":"start-step"}

data: {"type":"reasoning-start","id":"r1"}

data: {"type":"reasoning-delta","id":"r1","delta":"thinking"}

data: {"type":"reasoning-end","id":"r1"}

data: {"type":"tool-input-start","toolCallId":"c1","toolName":"search"}

data: {"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"{\"q\":"}

data: {"type":"tool-input-delta","toolCallId":"c1","inputTextDelta":"\"sse\"}"}

data: {"type":"tool-input-available","toolCallId":"c1","toolName":"search","input":{"q":"sse"}}

data: {"type":"tool-output-available","toolCallId":"c1","output":{"hits":3}}

data: {"type":"text-start","id":"t1"}

data: {"type":"text-delta","id":"t1","delta":"Found 3."}

data: {"type":"text-end","id":"t1"}

data: {"type":"data-weather","data":{"c":21}}

data: {"type":"finish-step"}

data: {"type":"finish","finishReason":"stop"}

data: [DONE]

`

func TestVercelAIPreset(t *testing.T) {
	runMutations(t, assert.VercelAI(), vercelValid, []mutation{
		{"unknown type", insert(3, `data: {"type":"text-chunk","id":"t1"}`+"\n\n"), "VAI-2", ""},
		{"[DONE] early", insert(3, "data: [DONE]\n\n"), "VAI-2", ""},
		{"after finish", insert(17, `data: {"type":"text-start","id":"t9"}`+"\n\n"), "VAI-3", ""},
		{"second start", insert(3, `data: {"type":"start"}`+"\n\n"), "", "VAI-3"},
		{"text-delta not open", remove(11), "VAI-4", ""},
		{"text never ended", remove(13), "VAI-4", ""},
		{"reasoning not open", remove(3), "VAI-5", ""},
		{"delta before input start", remove(6), "VAI-6", ""},
		{"deltas do not parse to input", replace(8, `"inputTextDelta":"\"sse\"}"`, `"inputTextDelta":"\"xyz\"}"`), "VAI-6", ""},
		{"output before input", func(bs []string) []string { o := bs[10]; bs = remove(10)(bs); return insert(6, o)(bs) }, "VAI-7", ""},
		{"two outputs", insert(11, blocks(vercelValid)[10]), "VAI-7", ""},
		{"nested step", insert(3, `data: {"type":"start-step"}`+"\n\n"), "VAI-8", ""},
		{"text open at finish-step", func(bs []string) []string {
			bs = remove(13)(bs)
			return insert(15, `data: {"type":"text-end","id":"t1"}`+"\n\n")(bs)
		}, "VAI-8", ""},
		{"data part without data", replace(14, `,"data":{"c":21}`, ``), "VAI-9", ""},
	})
}

const mcpValid = `id: s1_0
retry: 2000
data:

event: message
id: s1_1
data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1,"total":3}}

event: message
id: s1_2
data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":2,"total":3}}

event: message
id: s1_3
data: {"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"done"}]}}

`

func TestMCPPreset(t *testing.T) {
	runMutations(t, assert.MCP(), mcpValid, []mutation{
		{"an array", insert(1, "event: message\nid: s1_9\ndata: [{\"jsonrpc\":\"2.0\",\"method\":\"x\"}]\n\n"), "MCP-2", ""},
		{"not 2.0", replace(1, `"jsonrpc":"2.0"`, `"jsonrpc":"1.0"`), "MCP-2", ""},
		{"after the response", insert(4, blocks(mcpValid)[1]), "MCP-3", ""},
		{"two responses", insert(3, strings.Replace(blocks(mcpValid)[3], "s1_3", "s1_8", 1)), "MCP-3", ""},
		{"progress goes back", replace(2, `"progress":2`, `"progress":1`), "MCP-4", ""},
		{"total changes", replace(2, `"total":3`, `"total":4`), "MCP-4", ""},
		{"duplicate id", replace(3, "id: s1_3", "id: s1_1"), "MCP-5", ""},
		{"priming not first", func(bs []string) []string { return append(append([]string{bs[1]}, bs[0]), bs[2:]...) }, "MCP-5", ""},
		{"typed event", replace(1, "event: message", "event: progress"), "MCP-6", ""},
		{"no priming event (valid)", remove(0), "", ""},
	})
}

const langgraphValid = `event: metadata
data: {"run_id":"r1","attempt":1}

event: messages/metadata
data: {"m1":{"metadata":{"langgraph_node":"agent"}}}

event: messages/partial
data: [{"id":"m1","type":"ai","content":"Hel"}]

event: messages/partial
data: [{"id":"m1","type":"ai","content":"Hello"}]

event: messages/complete
data: [{"id":"m1","type":"ai","content":"Hello"}]

event: events
data: {"event":"on_chain_start","name":"graph","run_id":"a","parent_ids":[],"tags":[],"metadata":{},"data":{}}

event: events
data: {"event":"on_chat_model_start","name":"llm","run_id":"b","parent_ids":["a"],"tags":[],"metadata":{},"data":{}}

event: events
data: {"event":"on_chat_model_stream","name":"llm","run_id":"b","parent_ids":["a"],"tags":[],"metadata":{},"data":{"chunk":{"content":"Hi"}}}

event: events
data: {"event":"on_chat_model_end","name":"llm","run_id":"b","parent_ids":["a"],"tags":[],"metadata":{},"data":{"output":{"content":"Hi"}}}

event: events
data: {"event":"on_chain_end","name":"graph","run_id":"a","parent_ids":[],"tags":[],"metadata":{},"data":{}}

event: values
data: {"messages":[]}

`

func TestLangGraphValuesAndUpdates(t *testing.T) {
	// The valid stream's last event is a values snapshot; put the steps there.
	base := strings.TrimSuffix(langgraphValid, "event: values\ndata: {\"messages\":[]}\n\n")
	v := func(ids ...string) string {
		var ms []string
		for _, id := range ids {
			ms = append(ms, `{"id":"`+id+`","content":"x"}`)
		}
		return "event: values\ndata: {\"messages\":[" + strings.Join(ms, ",") + "]}\n\n"
	}
	u := "event: updates\ndata: {\"agent\":{}}\n\n"
	for _, tc := range []struct {
		name, steps string
		warns       string
	}{
		{"append-only, updates first", v("u1") + u + v("u1", "m1") + u + v("u1", "m1", "m2"), ""},
		{"values only (no updates mode)", v("u1") + v("u1", "m1"), ""},
		{"a message removed", v("u1") + u + v("u1", "m1") + u + v("m1"), "LG-7"},
		{"a message replaced", v("u1", "m1") + u + v("u1", "m2"), "LG-7"},
		{"values without its updates", v("u1") + u + v("u1", "m1") + v("u1", "m1"), "LG-8"},
	} {
		errs, warns := checkRules(t, assert.LangGraph(), tc.name, base+tc.steps)
		if len(errs) != 0 || strings.Join(warns, " ") != tc.warns {
			t.Errorf("%s: errors %v, warnings %v; want warnings %q", tc.name, errs, warns, tc.warns)
		}
	}
}

func TestLangGraphPreset(t *testing.T) {
	runMutations(t, assert.LangGraph(), langgraphValid, []mutation{
		{"metadata not first", func(bs []string) []string { return append([]string{bs[1], bs[0]}, bs[2:]...) }, "LG-1", ""},
		{"metadata twice", insert(3, blocks(langgraphValid)[0]), "LG-1", ""},
		{"unknown mode", insert(1, "event: progress\ndata: {}\n\n"), "LG-2", ""},
		{"subgraph mode (valid)", insert(1, "event: updates|agent:1\ndata: {}\n\n"), "", ""},
		{"not json", insert(1, "event: custom\ndata: hello\n\n"), "LG-3", ""},
		{"null data (valid)", insert(1, "event: custom\ndata: null\n\n"), "", ""},
		{"after error", insert(1, "event: error\ndata: {\"error\":\"ValueError\",\"message\":\"x\"}\n\n"), "LG-4", ""},
		{"partial before metadata", func(bs []string) []string { return append([]string{bs[0], bs[2], bs[1]}, bs[3:]...) }, "LG-5", ""},
		{"snapshot shrinks", replace(3, `"content":"Hello"`, `"content":"He"`), "LG-5", ""},
		{"partial after complete", insert(5, blocks(langgraphValid)[3]), "LG-6", ""},
		{"end then more", insert(10, "event: end\ndata: null\n\n"), "LG-9", ""},
		{"events payload without tags", replace(5, `"tags":[],`, ``), "LCE-1", ""},
		{"bad event name", replace(7, "on_chat_model_stream", "on_chat_model_chunk"), "LCE-2", ""},
		{"stream before start", remove(6), "LCE-3", ""},
		{"run never ends", remove(8), "LCE-3", ""},
		{"parent not open", func(bs []string) []string { c := bs[9]; bs = remove(9)(bs); return insert(6, c)(bs) }, "LCE-4", ""},
		{"numeric ids go back", func(bs []string) []string {
			bs = replace(1, "event: ", "id: 5\nevent: ")(bs)
			return replace(2, "event: ", "id: 3\nevent: ")(bs)
		}, "LG-10", ""},
		{"root does not start", remove(5), "LCE-5", ""},
		{"streamed content differs", replace(8, `"output":{"content":"Hi"}`, `"output":{"content":"Bye"}`), "LCE-6", ""},
	})
}

func TestGeneric(t *testing.T) {
	body := "id: 1\ndata: {\"a\":1}\n\nid: 3\ndata: 2\n\nid: 2\ndata: not json\n\nid: 3\ndata: [DONE]\n\n"
	r := assert.Check(assert.Generic(), "g", decode(t, []byte(body)))
	if got := strings.Join(rules(r, assert.Error), " "); got != "SSE-4 SSE-6 SSE-4" {
		t.Errorf("generic: %v %+v", got, r.Violations)
	}
	raw := assert.CheckRaw(200, "text/event-stream; charset=utf-8", []byte("retry: 1s\ndata: a\r\n\r\nid: x\x00y\ndata: b\n\ndata: cut"))
	var ids []string
	for _, v := range raw {
		ids = append(ids, v.Rule)
	}
	if strings.Join(ids, " ") != "SSE-5 SSE-4 SSE-2 SSE-3" {
		t.Errorf("raw: %v %+v", ids, raw)
	}
	if raw := assert.CheckRaw(404, "text/html", nil); len(raw) != 2 || raw[0].Rule != "SSE-1" {
		t.Errorf("status and type: %+v", raw)
	}
	if raw := assert.CheckRaw(200, "Text/Event-Stream;", []byte("data: x\n\n")); len(raw) != 0 {
		t.Errorf("a valid stream: %+v", raw)
	}
}

// FuzzPresets runs a preset (or the generic checks), detection and the raw
// checks over arbitrary streams: none may panic, and every violation points
// at an event of the stream (or 0, the stream as a whole) under one of the
// contract's rules. which picks the contract, so that each run checks one
// and runs fast. The seeds are the start of each format's valid stream and
// variants of it with a field removed, nulled or made an object. Inputs are
// cut to 1 KiB and 32 events: what a rule does wrong shows in a short
// stream, and the fuzzer minimizes every new input it finds by trying to
// remove every span of its bytes, which is quadratic in its length (on
// streams of several KiB that took tens of seconds at 0 execs/s each time).
func FuzzPresets(f *testing.F) {
	i := 0
	for format, body := range validStreams(f) {
		body = head(body, 1<<10)
		for w := range everyContract {
			f.Add([]byte(body), "/"+format, uint8(w))
		}
		withoutFields(body, func(_, variant string) {
			if i%3 == 0 { // a sample, spread over the contracts
				f.Add([]byte(head(variant, 1<<10)), "/"+format, uint8(i))
			}
			i++
		})
	}
	f.Add([]byte("data: [DONE]\n\n"), "/v1/responses", uint8(2))
	f.Add([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{}}\n\n"), "/v1/messages", uint8(4))
	f.Fuzz(func(t *testing.T, body []byte, path string, which uint8) {
		if len(body) > 1<<10 {
			body = body[:1<<10]
		}
		d := sse.NewDecoder(bytes.NewReader(body))
		var evs []assert.Event
		for len(evs) < 32 {
			e, err := d.Next()
			if err != nil {
				break
			}
			evs = append(evs, assert.Event{N: len(evs) + 1, Event: e})
		}
		assert.Detect(evs)
		assert.DetectPath(path)
		assert.CheckRaw(200, "text/event-stream", body)
		c := everyContract[int(which)%len(everyContract)]()
		r := assert.Check(c, "fuzz", evs)
		known := map[string]bool{}
		for _, rule := range c.Rules {
			known[rule.ID] = true
		}
		for _, v := range r.Violations {
			if v.Event < 0 || v.Event > len(evs) {
				t.Fatalf("%s: %s points at event %d of %d", c.Name, v.Rule, v.Event, len(evs))
			}
			if len(c.Rules) > 0 && !known[v.Rule] {
				t.Fatalf("%s: violation under %s, not one of its rules", c.Name, v.Rule)
			}
		}
	})
}

// head is the blocks of an SSE stream that fit in n bytes (at least one).
func head(body string, n int) string {
	var b strings.Builder
	for i, blk := range blocks(eols(body)["lf"]) {
		if i > 0 && b.Len()+len(blk) > n {
			break
		}
		b.WriteString(blk)
	}
	return b.String()
}
