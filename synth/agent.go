package synth

import (
	"strings"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// The agent protocol of FastAPI/sse-starlette backends (docs/contracts.md,
// "agent"): event: TYPE with data {"type": TYPE, ...}; thinking, each
// tool_call and its tool_result, the text deltas, final_answer, done; on
// an error, error then done with status error. CRLF, as sse-starlette
// writes it.
func init() {
	mustFormat("agent", format{
		method: func(string) string { return "POST" },
		path:   func(string) string { return "/api/chat" },
		header: map[string][]string{
			"Content-Type":      {"text/event-stream; charset=utf-8"},
			"Cache-Control":     {"no-store"},
			"X-Accel-Buffering": {"no"},
		},
		eol:          sse.CRLF,
		defaultModel: "agent",
		write:        writeAgent,
	})
}

func writeAgent(w *writer) {
	start := w.at()
	// The agent's natural order: thinking first, the tools, then the text,
	// whatever the script's order (content: keeps its own).
	var text strings.Builder
	for _, pc := range w.plan.pieces {
		switch {
		case pc.Reasoning != nil:
			w.each(pc, func(tok string) { w.event("thinking", js(o("type", "thinking", "content", tok))) })
		case pc.ToolCall != nil:
			// The arguments arrive whole: the call is sent when its last
			// argument token is due. A call cut by the error is not sent.
			w.each(pc, func(string) {})
			if pc.cut {
				continue
			}
			tc := pc.ToolCall
			id := tc.ID
			if id == "" {
				id = w.ids.of("call_", alnum, 24)
			}
			w.event("tool_call", js(o("type", "tool_call", "id", id, "name", tc.Name, "arguments", value(tc.Arguments))))
			result := raw(`"ok"`)
			if len(tc.Result) > 0 {
				result = value(tc.Result)
			}
			w.clock.now = w.clock.token() // the tool runs for a token's time
			w.event("tool_result", js(o("type", "tool_result", "id", id, "name", tc.Name, "is_error", false, "content", result)))
		default: // text, refusal, an empty delta
			w.each(pc, func(tok string) {
				text.WriteString(tok)
				w.event("text_delta", js(o("type", "text_delta", "content", tok)))
			})
		}
	}
	usage := o("input_tokens", w.plan.usage.InputTokens, "output_tokens", w.plan.usage.OutputTokens)
	duration := func() int64 { return int64((w.at() - start) / time.Millisecond) }
	if e := w.plan.err; e != nil {
		w.event("error", js(o("type", "error", "message", w.errorMessage(agentErrors[e.Type].message), "code", agentErrors[e.Type].code, "retryable", e.Type != ErrorServer)))
		w.event("done", js(o("type", "done", "status", "error", "usage", usage, "duration_ms", duration())))
		return
	}
	w.event("final_answer", js(o("type", "final_answer", "content", text.String())))
	w.event("done", js(o("type", "done", "status", "ok", "usage", usage, "duration_ms", duration())))
}

var agentErrors = map[string]struct{ code, message string }{
	ErrorOverloaded: {"overloaded", "The model is overloaded; try again later."},
	ErrorRateLimit:  {"rate_limited", "Too many requests; slow down."},
	ErrorServer:     {"internal_error", "The agent failed."},
}
