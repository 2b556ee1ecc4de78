package synth

import "github.com/ssetape/ssetape/sse"

// The AI SDK's UI message stream protocol v1 (FORMATS.md (f)): data: parts
// with a type, then data: [DONE]; start, start-step, reasoning-start/
// delta/end, text-start/delta/end, tool-input-start/delta/available (and
// tool-output-available for a result), finish-step, finish. An error is
// the error part, then [DONE].
func init() {
	mustFormat("vercel-ai", format{
		method: func(string) string { return "POST" },
		path:   func(string) string { return "/api/chat" },
		header: map[string][]string{
			"Content-Type":                  {"text/event-stream"},
			"Cache-Control":                 {"no-cache"},
			"Connection":                    {"keep-alive"},
			"X-Vercel-Ai-Ui-Message-Stream": {"v1"},
			"X-Accel-Buffering":             {"no"},
		},
		eol:          sse.LF,
		defaultModel: "",
		write:        writeVercel,
	})
}

func writeVercel(w *writer) {
	send := func(typ string, fields ...any) { w.event("", js(o(append([]any{"type", typ}, fields...)...))) }
	send("start", "messageId", w.ids.of("msg-", alnum, 24))
	send("start-step")
	for _, pc := range w.plan.pieces {
		switch {
		case pc.ToolCall != nil:
			tc := pc.ToolCall
			id := tc.ID
			if id == "" {
				id = w.ids.of("call_", alnum, 24)
			}
			send("tool-input-start", "toolCallId", id, "toolName", tc.Name)
			w.each(pc, func(tok string) { send("tool-input-delta", "toolCallId", id, "inputTextDelta", tok) })
			if pc.cut {
				// The client must hear of every tool call it saw start.
				send("tool-input-error", "toolCallId", id, "toolName", tc.Name, "input", pc.text(), "errorText", w.errorMessage(agentErrors[w.plan.err.Type].message))
				continue
			}
			send("tool-input-available", "toolCallId", id, "toolName", tc.Name, "input", value(tc.Arguments))
			if len(tc.Result) > 0 {
				send("tool-output-available", "toolCallId", id, "output", value(tc.Result))
			}
		default:
			kind := "text"
			if pc.Reasoning != nil {
				kind = "reasoning"
			}
			id := w.ids.of("", alnum, 16)
			send(kind+"-start", "id", id)
			w.each(pc, func(tok string) { send(kind+"-delta", "id", id, "delta", tok) })
			send(kind+"-end", "id", id)
		}
	}
	if e := w.plan.err; e != nil {
		w.event("", js(o("type", "error", "errorText", w.errorMessage(agentErrors[e.Type].message))))
		w.event("", "[DONE]")
		return
	}
	send("finish-step")
	send("finish", "finishReason", map[string]string{FinishStop: "stop", FinishToolCalls: "tool-calls", FinishLength: "length"}[w.plan.finish])
	w.event("", "[DONE]")
}
