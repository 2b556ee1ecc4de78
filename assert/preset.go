package assert

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// jsonEvent is an event with its data parsed as a JSON object (nil when it
// is not one).
type jsonEvent struct {
	Event
	obj map[string]any
}

// base is the shared part of the presets' checkers: the violations found so
// far, and the last event. Each preset judges its rules as the events come,
// rule group by rule group (methods named by the invariant IDs that
// docs/contracts.md lists, so that a reader can hold a preset against it), remembers only
// what a rule still needs, and keeps for End only what truly needs the end
// of the stream ("done is last", "every block was stopped").
type base struct {
	out  []Violation
	last Event
	n    int
}

// parse reads an event's data as a JSON object and notes it as the last.
func (b *base) parse(e Event) jsonEvent {
	var obj map[string]any
	if json.Unmarshal([]byte(e.Data), &obj) != nil {
		obj = nil
	}
	b.last = e
	b.n++
	return jsonEvent{e, obj}
}

func (b *base) add(r Rule, e Event, format string, a ...any) {
	b.out = append(b.out, violation(r, e, format, a...))
}

func (b *base) found() []Violation { return append([]Violation(nil), b.out...) }

// sorted returns the violations in event order, for End.
func (b *base) sorted() []Violation {
	slices.SortStableFunc(b.out, func(x, y Violation) int { return x.Event - y.Event })
	return b.out
}

// Small readers for JSON values.

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

// presets lists the shipped contracts by name.
var presets = map[string]*Contract{
	"agent":            agentContract,
	"openai-chat":      openAIChatContract,
	"anthropic":        anthropicContract,
	"openai-responses": openAIResponsesContract,
	"gemini":           geminiContract,
	"vercel-ai":        vercelAIContract,
	"mcp":              mcpContract,
	"langgraph":        langGraphContract,
}

// Preset returns the shipped contract of that name (agent, openai-chat,
// openai-responses, anthropic, gemini, vercel-ai, langgraph, mcp). The
// contract is shared: do not change it.
func Preset(name string) (*Contract, bool) {
	c, ok := presets[name]
	return c, ok
}

// PresetNames lists the presets' names, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// The presets, one function each.

// Agent is the agent preset: the seed's agent protocol.
func Agent() *Contract { return agentContract }

// OpenAIChat is the openai-chat preset: Chat Completions streaming.
func OpenAIChat() *Contract { return openAIChatContract }

// OpenAIResponses is the openai-responses preset: the Responses API.
func OpenAIResponses() *Contract { return openAIResponsesContract }

// Anthropic is the anthropic preset: Messages streaming.
func Anthropic() *Contract { return anthropicContract }

// Gemini is the gemini preset: streamGenerateContent with alt=sse.
func Gemini() *Contract { return geminiContract }

// VercelAI is the vercel-ai preset: the AI SDK's UI message stream v1.
func VercelAI() *Contract { return vercelAIContract }

// MCP is the mcp preset: MCP Streamable HTTP.
func MCP() *Contract { return mcpContract }

// LangGraph is the langgraph preset: LangGraph Platform streams.
func LangGraph() *Contract { return langGraphContract }

// Generic is the generic SSE checks, for a stream no preset matches.
func Generic() *Contract { return genericContract }

// Detect picks the preset a stream looks like, or nil when none does: the
// one whose events make up most of the stream (docs/contracts.md, "--contract
// auto").
func Detect(events []Event) *Contract {
	if len(events) == 0 {
		return nil
	}
	var v shapeVotes
	for _, e := range events {
		v.count(e)
	}
	switch n := len(events); {
	case LooksLikeAgent(events):
		return agentContract
	case v.ant*2 > n:
		return anthropicContract
	case v.resp*2 > n:
		return openAIResponsesContract
	case v.gem*2 > n:
		return geminiContract
	case v.vai*2 > n:
		return vercelAIContract
	case v.mcp*2 >= n:
		return mcpContract
	case v.lg*2 > n:
		return langGraphContract
	case v.chat*2 > n:
		return openAIChatContract
	}
	return nil
}

// shapeVotes counts, for each provider, the events whose shape is that
// provider's: Detect picks the one with most of the stream.
type shapeVotes struct {
	chat, ant, resp, gem, vai, mcp, lg int
}

// anthropicTypes are the type values only Anthropic's Messages stream uses.
var anthropicTypes = []string{"message_start", "content_block_start", "content_block_delta",
	"content_block_stop", "message_delta", "message_stop", "ping"}

// count adds one event's votes.
func (v *shapeVotes) count(e Event) {
	if mode, _, _ := strings.Cut(e.Type, "|"); slices.Contains(lgModes, mode) && mode != "error" {
		v.lg++
	}
	var o map[string]any
	if json.Unmarshal([]byte(e.Data), &o) != nil {
		if e.Data == "[DONE]" {
			v.chat++
		}
		return
	}
	t, _ := str(o["type"])
	if s, _ := str(o["object"]); s == "chat.completion.chunk" {
		v.chat++
	}
	if strings.HasPrefix(t, "response.") {
		v.resp++
	}
	if _, ok := o["candidates"]; ok {
		v.gem++
	}
	if s, _ := str(o["jsonrpc"]); s == "2.0" {
		v.mcp++
	}
	if slices.Contains(vaiTypes, t) || strings.HasPrefix(t, "data-") {
		v.vai++
	}
	if slices.Contains(anthropicTypes, t) {
		v.ant++
	}
	v.countError(t, o)
}

// countError votes for the provider whose error object an event carries, so
// that a stream holding only an error is told apart.
func (v *shapeVotes) countError(t string, o map[string]any) {
	eo := obj(o["error"])
	_, hasSeq := o["sequence_number"]
	switch {
	case t == "error" && eo != nil: // Anthropic: {"type":"error","error":{"type":"overloaded_error",...}}
		v.ant++
	case t == "error" && hasSeq: // Responses: {"type":"error","code":...,"message":...,"sequence_number":...}
		v.resp++
	case t == "" && eo != nil:
		_, numCode := num(eo["code"])
		if _, status := str(eo["status"]); numCode && status {
			v.gem++ // Gemini: {"error":{"code":503,"message":...,"status":"UNAVAILABLE"}}
		} else if _, typed := eo["type"]; typed {
			v.chat++ // OpenAI Chat: {"error":{"message":...,"type":"server_error",...}}
		}
	}
}

// Auto is --contract auto's choice for one stream: the preset its events
// show (Detect), else the one its request path belongs to (DetectPath; ""
// for none), else the generic SSE checks.
func Auto(events []Event, path string) *Contract {
	if c := Detect(events); c != nil {
		return c
	}
	if c := DetectPath(path); c != nil {
		return c
	}
	return genericContract
}

// DetectPath picks the preset a request path belongs to, or nil when the
// path is not one of the providers' own: /v1/chat/completions,
// /v1/responses, /v1/messages, Gemini's :streamGenerateContent, LangGraph's
// runs/stream and runs/{id}/stream, MCP's /mcp. A query string is ignored.
func DetectPath(path string) *Contract {
	path, _, _ = strings.Cut(path, "?")
	path = strings.TrimSuffix(path, "/")
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		return openAIChatContract
	case last == "responses":
		return openAIResponsesContract
	case strings.HasSuffix(path, "/v1/messages"):
		return anthropicContract
	case strings.HasSuffix(last, ":streamGenerateContent"):
		return geminiContract
	case last == "stream" && len(parts) >= 3 && (parts[len(parts)-2] == "runs" || parts[len(parts)-3] == "runs"):
		return langGraphContract
	case last == "mcp":
		return mcpContract
	}
	return nil
}

// eventIDs checks event ids across a stream: unique and, for the rules that
// say so, increasing where they are numbers. An id is judged when the
// last event ID changes, and also when an event carries an id: field of its
// own (Event.HasID, known when the raw view is read), so that an id the very
// next event repeats is seen; a live observer, which gets events without
// the raw view, sees only the changes.
type eventIDs struct {
	rule    Rule
	numeric bool // numeric ids must increase
	seen    map[string]int
	prev    string
	lastNum float64
}

func newEventIDs(rule Rule, numeric bool) *eventIDs {
	return &eventIDs{rule: rule, numeric: numeric, seen: map[string]int{}, lastNum: -1}
}

func (t *eventIDs) check(b *base, e Event) {
	carries := e.LastEventID != t.prev || e.IDKnown && e.HasID
	if id := e.LastEventID; id != "" && carries {
		if first, dup := t.seen[id]; dup {
			b.add(t.rule, e, "event id %q again (event %d had it); ids are unique", excerpt(id, 40), first)
		} else {
			t.seen[id] = e.N
		}
		if n, err := strconv.ParseFloat(id, 64); err == nil && t.numeric {
			if n <= t.lastNum {
				b.add(t.rule, e, "numeric event id %s after %v; numeric ids increase", excerpt(id, 40), t.lastNum)
			}
			t.lastNum = n
		}
	}
	t.prev = e.LastEventID
}

func validJSON(s string) bool { return json.Valid([]byte(s)) }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
