package assert

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// The invariants a cassette's response headers carry, which a list of
// events cannot show: VAI-1, MCP-1's content type and LG-1's run_id match
// with Content-Location (docs/contracts.md).
var (
	vai1     = Rule{"VAI-1", Error, "the response is text/event-stream with x-vercel-ai-ui-message-stream: v1"}
	mcp1     = Rule{"MCP-1", Error, "a response with an SSE body has Content-Type: text/event-stream"}
	lg1Match = Rule{"LG-1", Error, "the metadata run_id matches Content-Location"}
)

func init() {
	vercelAIContract.Rules = append([]Rule{vai1}, vercelAIContract.Rules...)
	mcpContract.Rules = append([]Rule{mcp1}, mcpContract.Rules...)
}

// CheckHeaders checks what c says about a recorded response's headers
// against the stream's events. A nil h (a raw file, a live stream whose
// headers were not kept) checks nothing.
func CheckHeaders(c *Contract, h http.Header, events []Event) []Violation {
	if h == nil {
		return nil
	}
	var out []Violation
	isSSE := func() bool {
		mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
		return err == nil && strings.EqualFold(mt, "text/event-stream")
	}
	switch c {
	case vercelAIContract:
		if !isSSE() {
			out = append(out, violation(vai1, Event{}, "Content-Type %q; the UI message stream is text/event-stream", h.Get("Content-Type")))
		}
		if v := h.Get("X-Vercel-Ai-Ui-Message-Stream"); v != "v1" {
			out = append(out, violation(vai1, Event{}, "x-vercel-ai-ui-message-stream is %q; custom backends must send v1", v))
		}
	case mcpContract:
		if !isSSE() {
			out = append(out, violation(mcp1, Event{}, "Content-Type %q; a response with an SSE body is text/event-stream", h.Get("Content-Type")))
		}
	case langGraphContract:
		loc := h.Get("Content-Location")
		_, after, ok := strings.Cut(loc, "/runs/")
		if !ok || len(events) == 0 || events[0].Type != "metadata" {
			break
		}
		runID, _, _ := strings.Cut(after, "/")
		runID, _, _ = strings.Cut(runID, "?")
		var m struct {
			RunID string `json:"run_id"`
		}
		if json.Unmarshal([]byte(events[0].Data), &m) == nil && m.RunID != "" && m.RunID != runID {
			out = append(out, violation(lg1Match, events[0], "metadata run_id %q, but Content-Location %q names run %q", m.RunID, loc, runID))
		}
	}
	return out
}
