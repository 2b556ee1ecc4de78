package synth

import (
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Gemini streamGenerateContent?alt=sse (FORMATS.md (d)): one data: line per
// chunk holding a GenerateContentResponse, no event name, no [DONE], in
// Google's JSON style and CRLF; thought parts, text parts, functionCall
// parts whole; finishReason on the last chunk; usageMetadata on each. A
// mid-stream error is the error object, last.
func init() {
	mustFormat("gemini", format{
		method: func(string) string { return "POST" },
		path: func(model string) string {
			return "/v1beta/models/" + model + ":streamGenerateContent?alt=sse"
		},
		header: map[string][]string{
			"Content-Type": {"text/event-stream"},
		},
		eol:          sse.CRLF,
		defaultModel: "gemini-2.5-flash",
		write:        writeGemini,
	})
}

func writeGemini(w *writer) {
	responseID := w.ids.of("", b64u, 22)
	u := w.plan.usage
	out, thoughts := 0, 0
	usage := func() obj {
		if w.plan.usageGiven { // as given, on every chunk
			return o("promptTokenCount", u.InputTokens, "candidatesTokenCount", u.OutputTokens, "totalTokenCount", u.InputTokens+u.OutputTokens)
		}
		fields := []any{"promptTokenCount", u.InputTokens, "candidatesTokenCount", out, "totalTokenCount", u.InputTokens + out + thoughts}
		if thoughts > 0 {
			fields = append(fields, "thoughtsTokenCount", thoughts)
		}
		return o(fields...)
	}
	// Chunks are held back one, so that the last carries finishReason.
	var pending []any
	var pendingAt time.Duration
	flush := func(finish bool) {
		if pending == nil {
			return
		}
		cand := []any{"content", o("parts", pending, "role", "model")}
		if finish {
			cand = append(cand, "finishReason", map[string]string{FinishStop: "STOP", FinishToolCalls: "STOP", FinishLength: "MAX_TOKENS"}[w.plan.finish])
		}
		cand = append(cand, "index", 0)
		w.eventAt(pendingAt, "", google(o("candidates", []any{o(cand...)}, "usageMetadata", usage(), "modelVersion", w.model, "responseId", responseID)))
		pending = nil
	}
	for _, pc := range w.plan.pieces {
		switch {
		case pc.ToolCall != nil:
			// Whole: sent when its last argument token is due; one cut by
			// the error is not sent.
			w.each(pc, func(string) {})
			out += len(pc.tokens)
			if pc.cut {
				continue
			}
			flush(false)
			pending, pendingAt = []any{o("functionCall", o("name", pc.ToolCall.Name, "args", value(pc.ToolCall.Arguments)))}, w.at()
		default:
			w.each(pc, func(tok string) {
				flush(false)
				part := o("text", tok)
				if pc.Reasoning != nil {
					part = o("text", tok, "thought", true)
					thoughts++
				} else if !pc.Delta {
					out++
				}
				pending, pendingAt = []any{part}, w.at()
			})
		}
	}
	if e := w.plan.err; e != nil {
		flush(false)
		kind := geminiErrors[e.Type]
		w.event("", google(o("error", o("code", kind.code, "message", w.errorMessage(kind.message), "status", kind.status))))
		return
	}
	if pending == nil { // nothing said: a chunk of its own for the finish
		pending, pendingAt = []any{o("text", "")}, w.at()
	}
	flush(true)
}

var geminiErrors = map[string]struct {
	code            int
	message, status string
}{
	ErrorOverloaded: {503, "The model is overloaded. Please try again later.", "UNAVAILABLE"},
	ErrorRateLimit:  {429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED"},
	ErrorServer:     {500, "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", "INTERNAL"},
}
