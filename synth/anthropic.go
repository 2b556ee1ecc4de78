package synth

import "github.com/ssetape/ssetape/sse"

// Anthropic Messages streaming (FORMATS.md (c)): event: TYPE with data
// {"type": TYPE, ...}; message_start, a ping, a content block per part
// (thinking with its signature, text, tool_use with input_json_delta),
// message_delta with the stop reason and the cumulative output tokens,
// message_stop. A mid-stream error is event: error, last.
func init() {
	mustFormat("anthropic", format{
		method: func(string) string { return "POST" },
		path:   func(string) string { return "/v1/messages" },
		header: map[string][]string{
			"Content-Type":  {"text/event-stream; charset=utf-8"},
			"Cache-Control": {"no-cache"},
		},
		eol:          sse.LF,
		defaultModel: "claude-sonnet-4-5-20250929",
		write:        writeAnthropic,
	})
}

func writeAnthropic(w *writer) {
	send := func(typ string, fields ...any) { w.event(typ, js(o(append([]any{"type", typ}, fields...)...))) }
	u := w.plan.usage
	send("message_start", "message", o("id", w.ids.of("msg_01", alnum, 22), "type", "message", "role", "assistant",
		"model", w.model, "content", []any{}, "stop_reason", nil, "stop_sequence", nil,
		"usage", o("input_tokens", u.InputTokens, "cache_creation_input_tokens", 0, "cache_read_input_tokens", 0, "output_tokens", 1)))
	send("ping")
	index, toolUse := 0, false
	for _, pc := range w.plan.pieces {
		k := index
		index++
		switch {
		case pc.Reasoning != nil:
			send("content_block_start", "index", k, "content_block", o("type", "thinking", "thinking", "", "signature", ""))
			w.each(pc, func(tok string) {
				send("content_block_delta", "index", k, "delta", o("type", "thinking_delta", "thinking", tok))
			})
			if pc.cut {
				break
			}
			send("content_block_delta", "index", k, "delta", o("type", "signature_delta", "signature", w.ids.of("Eq", b64u, 86)))
		case pc.ToolCall != nil:
			tc := pc.ToolCall
			id := tc.ID
			if id == "" {
				id = w.ids.of("toolu_01", alnum, 22)
			}
			toolUse = true
			send("content_block_start", "index", k, "content_block", o("type", "tool_use", "id", id, "name", tc.Name, "input", o()))
			send("content_block_delta", "index", k, "delta", o("type", "input_json_delta", "partial_json", ""))
			w.each(pc, func(tok string) {
				send("content_block_delta", "index", k, "delta", o("type", "input_json_delta", "partial_json", tok))
			})
		default: // text, refusal, an empty delta
			send("content_block_start", "index", k, "content_block", o("type", "text", "text", ""))
			w.each(pc, func(tok string) {
				send("content_block_delta", "index", k, "delta", o("type", "text_delta", "text", tok))
			})
		}
		if pc.cut {
			break
		}
		send("content_block_stop", "index", k)
	}
	if e := w.plan.err; e != nil {
		kind := anthropicErrors[e.Type]
		send("error", "error", o("type", kind.typ, "message", w.errorMessage(kind.message)))
		return
	}
	stop := map[string]string{FinishStop: "end_turn", FinishToolCalls: "tool_use", FinishLength: "max_tokens"}[w.plan.finish]
	if stop == "tool_use" && !toolUse {
		stop = "end_turn"
	}
	send("message_delta", "delta", o("stop_reason", stop, "stop_sequence", nil), "usage", o("output_tokens", u.OutputTokens))
	send("message_stop")
}

var anthropicErrors = map[string]struct{ typ, message string }{
	ErrorOverloaded: {"overloaded_error", "Overloaded"},
	ErrorRateLimit:  {"rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"},
	ErrorServer:     {"api_error", "Internal server error"},
}
