package synth

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Script is what a synthesized stream says, in the order DESIGN.md gives:
// Reasoning, Text, then ToolCalls (in agent: thinking, each tool call and
// its result, the text, final_answer), or Content when a test needs
// another order.
type Script struct {
	Model     string
	Reasoning string
	Text      string
	ToolCalls []ToolCall
	// Content, when set, replaces Reasoning, Text and ToolCalls: the parts
	// in the order given.
	Content []Part
	// Usage, when set, is reported as given; otherwise the output tokens
	// are counted and the input tokens are DefaultInputTokens.
	Usage *Usage
	// Finish is stop, tool_calls or length; "" picks tool_calls when the
	// script ends with a tool call, else stop.
	Finish string
	// Error, when set, ends the stream with the provider's mid-stream
	// error after that many output tokens.
	Error *Error
}

// A Part is one piece of ordered content: exactly one of its fields.
type Part struct {
	Text      *string
	Reasoning *string
	Refusal   *string
	// Delta is an empty text delta (a delta event with no text).
	Delta    bool
	ToolCall *ToolCall
}

// ToolCall is a call of a tool. Arguments is a JSON object (as written:
// the text the model streams); Result (agent only) is what the tool gave
// back, any JSON.
type ToolCall struct {
	ID        string
	Name      string
	Arguments json.RawMessage
	Result    json.RawMessage
}

// Usage is the token counts a stream reports.
type Usage struct {
	InputTokens, OutputTokens int
}

// Error is a provider's mid-stream error.
type Error struct {
	Message string
	// AfterTokens is how many output tokens come before it, counted in
	// stream order (reasoning, text and arguments); nil: after them all.
	AfterTokens *int
	// Type is overloaded (the default), rate_limit or server: each format
	// writes its own error of that kind.
	Type string
}

// DefaultInputTokens is the input token count of a script without usage.
const DefaultInputTokens = 16

// The finish reasons of a script.
const (
	FinishStop      = "stop"
	FinishToolCalls = "tool_calls"
	FinishLength    = "length"
)

// The error types of a script.
const (
	ErrorOverloaded = "overloaded"
	ErrorRateLimit  = "rate_limit"
	ErrorServer     = "server"
)

// FieldError is a problem with one field of a script: Field is its place,
// such as tool_calls[0].name, for the caller to turn into a file:line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// parts is the script's content in stream order, checked.
func (s *Script) parts() ([]Part, error) {
	if len(s.Content) > 0 {
		if s.Reasoning != "" || s.Text != "" || len(s.ToolCalls) > 0 {
			return nil, fieldErr("content", "content replaces reasoning, text and tool_calls: give one or the other")
		}
		for i, p := range s.Content {
			n := 0
			for _, set := range []bool{p.Text != nil, p.Reasoning != nil, p.Refusal != nil, p.Delta, p.ToolCall != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				return nil, fieldErr(fmt.Sprintf("content[%d]", i), "give exactly one of text, reasoning, refusal, delta and tool_call")
			}
			if p.ToolCall != nil {
				if err := p.ToolCall.check(fmt.Sprintf("content[%d].tool_call", i)); err != nil {
					return nil, err
				}
			}
		}
		return s.Content, nil
	}
	var out []Part
	if s.Reasoning != "" {
		out = append(out, Part{Reasoning: &s.Reasoning})
	}
	if s.Text != "" {
		out = append(out, Part{Text: &s.Text})
	}
	for i := range s.ToolCalls {
		if err := s.ToolCalls[i].check(fmt.Sprintf("tool_calls[%d]", i)); err != nil {
			return nil, err
		}
		out = append(out, Part{ToolCall: &s.ToolCalls[i]})
	}
	if len(out) == 0 {
		return nil, fieldErr("text", "the script says nothing: give text, reasoning, tool_calls or content")
	}
	return out, nil
}

func (t *ToolCall) check(field string) error {
	if t.Name == "" {
		return fieldErr(field+".name", "a tool call needs a name")
	}
	if len(t.Arguments) == 0 {
		t.Arguments = json.RawMessage("{}")
	}
	var obj map[string]any
	if err := json.Unmarshal(t.Arguments, &obj); err != nil || obj == nil {
		return fieldErr(field+".arguments", "the arguments must be a JSON object (a mapping, or a JSON string of one): %s", short(string(t.Arguments)))
	}
	if len(t.Result) > 0 && !json.Valid(t.Result) {
		return fieldErr(field+".result", "the result is not JSON: %s", short(string(t.Result)))
	}
	return nil
}

// short cuts s to about 60 bytes for a message, at a character boundary.
func short(s string) string {
	if len(s) <= 60 {
		return s
	}
	n := 60
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
