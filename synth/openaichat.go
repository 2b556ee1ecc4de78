package synth

import "github.com/ssetape/ssetape/sse"

// OpenAI Chat Completions streaming (FORMATS.md (a)): data: chunks with no
// event name, a role chunk first, content and tool_call deltas, a
// finish_reason chunk, a usage chunk when the script has usage, then
// data: [DONE]. A mid-stream error is the error object, last. Chat
// Completions streams no reasoning: a script's reasoning is not sent.
func init() {
	mustFormat("openai-chat", format{
		method: func(string) string { return "POST" },
		path:   func(string) string { return "/v1/chat/completions" },
		header: map[string][]string{
			"Content-Type":  {"text/event-stream; charset=utf-8"},
			"Cache-Control": {"no-cache"},
		},
		eol:          sse.LF,
		defaultModel: "gpt-4.1-mini-2025-04-14",
		write:        writeOpenAIChat,
	})
}

func writeOpenAIChat(w *writer) {
	id, created, fp := w.ids.of("chatcmpl-", alnum, 29), w.ids.unix(), w.ids.of("fp_", hex, 10)
	withUsage := w.plan.usageGiven
	chunk := func(delta any, finish any) string {
		fields := []any{"id", id, "object", "chat.completion.chunk", "created", created, "model", w.model,
			"service_tier", "default", "system_fingerprint", fp,
			"choices", []any{o("index", 0, "delta", delta, "logprobs", nil, "finish_reason", finish)}}
		if withUsage {
			fields = append(fields, "usage", nil)
		}
		return js(o(fields...))
	}
	w.event("", chunk(o("role", "assistant", "content", "", "refusal", nil), nil))
	index := 0
	for _, pc := range w.plan.pieces {
		switch {
		case pc.Reasoning != nil:
			w.each(pc, func(string) {}) // paced, not sent
		case pc.ToolCall != nil:
			tc := pc.ToolCall
			callID := tc.ID
			if callID == "" {
				callID = w.ids.of("call_", alnum, 24)
			}
			k := index
			index++
			w.clock.now = w.tokenTime(pc)
			w.event("", chunk(o("tool_calls", []any{o("index", k, "id", callID, "type", "function",
				"function", o("name", tc.Name, "arguments", ""))}), nil))
			for _, tok := range pc.tokens {
				w.clock.now = w.clock.token()
				w.event("", chunk(o("tool_calls", []any{o("index", k, "function", o("arguments", tok))}), nil))
			}
		case pc.Refusal != nil:
			w.each(pc, func(tok string) { w.event("", chunk(o("refusal", tok), nil)) })
		default:
			w.each(pc, func(tok string) { w.event("", chunk(o("content", tok), nil)) })
		}
	}
	if e := w.plan.err; e != nil {
		kind := openAIErrors[e.Type]
		w.event("", js(o("error", o("message", w.errorMessage(kind.message), "type", kind.typ, "param", nil, "code", kind.code))))
		return
	}
	w.event("", chunk(o(), w.plan.finish))
	if withUsage {
		u := w.plan.usage
		w.event("", js(o("id", id, "object", "chat.completion.chunk", "created", created, "model", w.model,
			"service_tier", "default", "system_fingerprint", fp, "choices", []any{},
			"usage", o("prompt_tokens", u.InputTokens, "completion_tokens", u.OutputTokens, "total_tokens", u.InputTokens+u.OutputTokens))))
	}
	w.event("", "[DONE]")
}

// openAIErrors are OpenAI's error objects by kind.
var openAIErrors = map[string]struct {
	typ, message string
	code         any
}{
	ErrorOverloaded: {"server_error", "The server is overloaded. Please try again later.", "server_is_overloaded"},
	ErrorRateLimit:  {"requests", "Rate limit reached for requests. Please try again later.", "rate_limit_exceeded"},
	ErrorServer:     {"server_error", "The server had an error while processing your request. Sorry about that!", nil},
}
