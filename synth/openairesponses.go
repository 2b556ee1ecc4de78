package synth

import "github.com/ssetape/ssetape/sse"

// The OpenAI Responses API streaming (FORMATS.md (b)): event: TYPE with
// data {"type": TYPE, ..., "sequence_number": n} from 0; response.created
// and response.in_progress, then each output item (reasoning, message,
// function_call) added, its parts and deltas, done; then
// response.completed, response.incomplete (finish length) or
// response.failed (an error).
func init() {
	mustFormat("openai-responses", format{
		method: func(string) string { return "POST" },
		path:   func(string) string { return "/v1/responses" },
		header: map[string][]string{
			"Content-Type":  {"text/event-stream; charset=utf-8"},
			"Cache-Control": {"no-cache"},
		},
		eol:          sse.LF,
		defaultModel: "gpt-4.1-mini-2025-04-14",
		write:        writeOpenAIResponses,
	})
}

// responses writes one Responses stream: it numbers the events and keeps
// the output items done so far.
type responses struct {
	w      *writer
	seq    int
	id     string
	at     int64
	output []any
}

func (r *responses) send(typ string, fields ...any) {
	all := append([]any{"type", typ}, fields...)
	all = append(all, "sequence_number", r.seq)
	r.seq++
	r.w.event(typ, js(o(all...)))
}

// response is the response object in the state given.
func (r *responses) response(status string, extra ...any) obj {
	fields := []any{"id", r.id, "object", "response", "created_at", r.at, "status", status, "background", false,
		"error", nil, "incomplete_details", nil, "instructions", nil, "max_output_tokens", nil, "model", r.w.model,
		"output", r.output, "parallel_tool_calls", true, "previous_response_id", nil, "store", true,
		"temperature", 1.0, "tool_choice", "auto", "tools", []any{}, "top_p", 1.0, "truncation", "disabled", "usage", nil}
	resp := o(fields...)
	for i := 0; i+1 < len(extra); i += 2 {
		for j := range resp {
			if resp[j].k == extra[i].(string) {
				resp[j].v = extra[i+1]
			}
		}
	}
	return resp
}

func writeOpenAIResponses(w *writer) {
	r := &responses{w: w, id: w.ids.of("resp_", hex, 48), at: w.ids.unix(), output: []any{}}
	r.send("response.created", "response", r.response("in_progress"))
	r.send("response.in_progress", "response", r.response("in_progress"))
	for _, pc := range w.plan.pieces {
		k := len(r.output)
		switch {
		case pc.Reasoning != nil:
			r.reasoning(k, pc)
		case pc.ToolCall != nil:
			r.functionCall(k, pc)
		default:
			r.message(k, pc)
		}
	}
	u := w.plan.usage
	usage := o("input_tokens", u.InputTokens, "input_tokens_details", o("cached_tokens", 0),
		"output_tokens", u.OutputTokens, "output_tokens_details", o("reasoning_tokens", w.plan.reasoningTokens),
		"total_tokens", u.InputTokens+u.OutputTokens)
	switch {
	case w.plan.err != nil:
		kind := openAIErrors[w.plan.err.Type]
		code := "server_error"
		if w.plan.err.Type == ErrorRateLimit {
			code = "rate_limit_exceeded"
		}
		r.send("response.failed", "response", r.response("failed", "error", o("code", code, "message", w.errorMessage(kind.message)), "usage", usage))
	case w.plan.finish == FinishLength:
		r.send("response.incomplete", "response", r.response("incomplete", "incomplete_details", o("reason", "max_output_tokens"), "usage", usage))
	default:
		r.send("response.completed", "response", r.response("completed", "usage", usage))
	}
}

// done ends an item: output_item.done, and the item joins the output.
// A part cut by the error is left open, as a failed response leaves it.
func (r *responses) done(k int, pc piece, item obj) {
	if pc.cut {
		return
	}
	r.send("response.output_item.done", "output_index", k, "item", item)
	r.output = append(r.output, item)
}

func (r *responses) reasoning(k int, pc piece) {
	id := r.w.ids.of("rs_", hex, 48)
	r.send("response.output_item.added", "output_index", k, "item", o("id", id, "type", "reasoning", "summary", []any{}))
	r.send("response.reasoning_summary_part.added", "item_id", id, "output_index", k, "summary_index", 0, "part", o("type", "summary_text", "text", ""))
	r.w.each(pc, func(tok string) {
		r.send("response.reasoning_summary_text.delta", "item_id", id, "output_index", k, "summary_index", 0, "delta", tok)
	})
	if pc.cut {
		return
	}
	text := pc.text()
	r.send("response.reasoning_summary_text.done", "item_id", id, "output_index", k, "summary_index", 0, "text", text)
	r.send("response.reasoning_summary_part.done", "item_id", id, "output_index", k, "summary_index", 0, "part", o("type", "summary_text", "text", text))
	r.done(k, pc, o("id", id, "type", "reasoning", "summary", []any{o("type", "summary_text", "text", text)}))
}

func (r *responses) message(k int, pc piece) {
	id := r.w.ids.of("msg_", hex, 48)
	kind, deltaType, doneType, field := "output_text", "response.output_text.delta", "response.output_text.done", "text"
	if pc.Refusal != nil {
		kind, deltaType, doneType, field = "refusal", "response.refusal.delta", "response.refusal.done", "refusal"
	}
	part := func(text string) obj {
		if kind == "refusal" {
			return o("type", "refusal", "refusal", text)
		}
		return o("type", "output_text", "annotations", []any{}, "logprobs", []any{}, "text", text)
	}
	r.send("response.output_item.added", "output_index", k, "item", o("id", id, "type", "message", "status", "in_progress", "content", []any{}, "role", "assistant"))
	r.send("response.content_part.added", "item_id", id, "output_index", k, "content_index", 0, "part", part(""))
	r.w.each(pc, func(tok string) {
		if kind == "refusal" {
			r.send(deltaType, "item_id", id, "output_index", k, "content_index", 0, "delta", tok)
			return
		}
		r.send(deltaType, "item_id", id, "output_index", k, "content_index", 0, "delta", tok, "logprobs", []any{})
	})
	if pc.cut {
		return
	}
	text := pc.text()
	if kind == "refusal" {
		r.send(doneType, "item_id", id, "output_index", k, "content_index", 0, field, text)
	} else {
		r.send(doneType, "item_id", id, "output_index", k, "content_index", 0, field, text, "logprobs", []any{})
	}
	r.send("response.content_part.done", "item_id", id, "output_index", k, "content_index", 0, "part", part(text))
	r.done(k, pc, o("id", id, "type", "message", "status", "completed", "content", []any{part(text)}, "role", "assistant"))
}

func (r *responses) functionCall(k int, pc piece) {
	tc := pc.ToolCall
	id := r.w.ids.of("fc_", hex, 48)
	callID := tc.ID
	if callID == "" {
		callID = r.w.ids.of("call_", alnum, 24)
	}
	r.send("response.output_item.added", "output_index", k, "item", o("id", id, "type", "function_call", "status", "in_progress", "arguments", "", "call_id", callID, "name", tc.Name))
	r.w.each(pc, func(tok string) {
		r.send("response.function_call_arguments.delta", "item_id", id, "output_index", k, "delta", tok)
	})
	if pc.cut {
		return
	}
	args := pc.text()
	r.send("response.function_call_arguments.done", "item_id", id, "output_index", k, "arguments", args, "name", tc.Name)
	r.done(k, pc, o("id", id, "type", "function_call", "status", "completed", "arguments", args, "call_id", callID, "name", tc.Name))
}
