package synth

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/ssetape/ssetape/sse"
)

// Event is one entry of a synthesized stream: an event (Type "" for none,
// Data, ID) or a comment, due At from the response headers.
type Event struct {
	At      time.Duration
	Type    string
	Data    string
	ID      string
	Comment string
	// IsComment says the entry is a comment (": ..."), not an event.
	IsComment bool
}

// Stream is a synthesized response with the request it answers.
type Stream struct {
	Method, Path string
	// Header is the response's headers (canonical names).
	Header     map[string][]string
	Status     int
	LineEnding sse.LineEnding
	Events     []Event
	// End is when the body ends, after the last event.
	End time.Duration
}

// Options are what a synthesized stream is made with besides its script.
type Options struct {
	Pacing Pacing
	// Seed picks every id, timestamp and jitter.
	Seed uint64
}

// format writes one wire format.
type format struct {
	method, path func(model string) string
	header       map[string][]string
	eol          sse.LineEnding
	// defaultModel is the model of a script that names none.
	defaultModel string
	write        func(w *writer)
}

var formats = map[string]format{}

// Formats lists the wire formats, sorted.
func Formats() []string {
	out := make([]string, 0, len(formats))
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Synthesize writes the script as a stream of the wire format.
func Synthesize(wire string, s *Script, o Options) (*Stream, error) {
	f, ok := formats[wire]
	if !ok {
		return nil, fieldErr("wire", "no format %q: want one of %s", wire, strings.Join(Formats(), ", "))
	}
	if err := o.Pacing.check(); err != nil {
		return nil, err
	}
	parts, err := s.parts()
	if err != nil {
		return nil, err
	}
	pl, err := planOf(s, parts, wire)
	if err != nil {
		return nil, err
	}
	model := s.Model
	if model == "" {
		model = f.defaultModel
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed5eed))
	w := &writer{plan: pl, model: model, clock: newClock(o.Pacing, rng), ids: ids{rng: rng}}
	f.write(w)
	st := &Stream{Method: f.method(model), Path: f.path(model), Header: cloneHeader(f.header), Status: 200, LineEnding: f.eol, Events: w.events}
	st.End = w.clock.now
	if n := len(w.events); n > 0 {
		st.End = max(st.End, w.events[n-1].At)
	}
	return st, nil
}

func cloneHeader(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// A piece is one part of the plan with its tokens.
type piece struct {
	Part
	// tokens are the text's (or the arguments') pieces as streamed; for a
	// tool call cut by the error, only those before it.
	tokens []string
	// cut says the error falls inside this part: it ends after tokens.
	cut bool
}

// plan is the script made ready for a format: its pieces up to the error,
// the finish reason and the usage.
type plan struct {
	pieces []piece
	finish string
	usage  Usage
	// usageGiven says the script gave usage (openai-chat then sends its
	// usage chunk, as with stream_options.include_usage).
	usageGiven bool
	err        *Error
	// output counts the output tokens sent.
	output int
	// reasoningTokens counts those of reasoning (Gemini's thoughts).
	reasoningTokens int
}

// planOf cuts the content into tokens, and at the error.
func planOf(s *Script, parts []Part, wire string) (*plan, error) {
	p := &plan{}
	if wire == "agent" && len(s.Content) == 0 {
		parts = agentOrder(parts)
	}
	total := 0
	var all []piece
	for _, part := range parts {
		pc := piece{Part: part}
		switch {
		case part.Text != nil:
			pc.tokens = Tokens(*part.Text)
		case part.Reasoning != nil:
			pc.tokens = Tokens(*part.Reasoning)
		case part.Refusal != nil:
			pc.tokens = Tokens(*part.Refusal)
		case part.ToolCall != nil:
			pc.tokens = Tokens(compactJSON(part.ToolCall.Arguments))
		}
		total += len(pc.tokens)
		all = append(all, pc)
	}
	switch s.Finish {
	case "", FinishStop, FinishToolCalls, FinishLength:
	default:
		return nil, fieldErr("finish", "%q: want stop, tool_calls or length", s.Finish)
	}
	p.finish = s.Finish
	if p.finish == "" {
		p.finish = FinishStop
		if n := len(all); n > 0 && all[n-1].ToolCall != nil {
			p.finish = FinishToolCalls
		}
	}
	if p.finish == FinishToolCalls && !hasToolCall(all) {
		return nil, fieldErr("finish", "tool_calls needs a tool call in the script")
	}
	if s.Error != nil {
		// The plan keeps its own copy: the caller's script is read, never
		// written, so one script may be synthesized by many goroutines.
		e := *s.Error
		p.err = &e
		switch e.Type {
		case "":
			e.Type = ErrorOverloaded
		case ErrorOverloaded, ErrorRateLimit, ErrorServer:
		default:
			return nil, fieldErr("error.type", "%q: want overloaded, rate_limit or server", e.Type)
		}
		after := total
		if e.AfterTokens != nil {
			after = *e.AfterTokens
		}
		if after < 0 || after > total {
			return nil, fieldErr("error.after_tokens", "%d: the script has %d output tokens; want 0 to %d", after, total, total)
		}
		all = cutAt(all, after)
	}
	p.pieces = all
	for _, pc := range all {
		p.output += len(pc.tokens)
		if pc.Reasoning != nil {
			p.reasoningTokens += len(pc.tokens)
		}
	}
	p.usage = Usage{InputTokens: DefaultInputTokens, OutputTokens: p.output}
	if s.Usage != nil {
		p.usage, p.usageGiven = *s.Usage, true
	}
	return p, nil
}

// agentOrder is the agent's natural order of a script's fields:
// thinking, the tool calls (each with its result), then the text.
func agentOrder(parts []Part) []Part {
	var reasoning, tools, text []Part
	for _, p := range parts {
		switch {
		case p.Reasoning != nil:
			reasoning = append(reasoning, p)
		case p.ToolCall != nil:
			tools = append(tools, p)
		default:
			text = append(text, p)
		}
	}
	return append(append(reasoning, tools...), text...)
}

func hasToolCall(ps []piece) bool {
	for _, p := range ps {
		if p.ToolCall != nil {
			return true
		}
	}
	return false
}

// cutAt keeps the pieces up to after output tokens; the piece the cut
// falls in keeps its first tokens and is marked cut.
func cutAt(ps []piece, after int) []piece {
	var out []piece
	n := 0
	for _, p := range ps {
		if n+len(p.tokens) <= after {
			out = append(out, p)
			n += len(p.tokens)
			if n == after && len(p.tokens) > 0 {
				// The error follows this part's last token.
				return out
			}
			continue
		}
		if k := after - n; k > 0 {
			p.tokens, p.cut = p.tokens[:k], true
			out = append(out, p)
		}
		return out
	}
	return out
}

// writer builds a stream: the format writes its events through it.
type writer struct {
	plan   *plan
	model  string
	clock  *clock
	ids    ids
	events []Event
	// reasoned says reasoning came before: the first text then waits
	// Think.
	reasoned, texted bool
}

// at is the time of the next non-token event: with the last token.
func (w *writer) at() time.Duration { return w.clock.now }

// event appends an event due now.
func (w *writer) event(typ, data string) { w.eventAt(w.at(), typ, data) }

func (w *writer) eventAt(at time.Duration, typ, data string) {
	w.events = append(w.events, Event{At: at, Type: typ, Data: data})
}

// tokenTime is the due time of the next token of a part of this kind.
func (w *writer) tokenTime(pc piece) time.Duration {
	if pc.Reasoning != nil {
		w.reasoned = true
	} else if (pc.Text != nil || pc.Refusal != nil) && w.reasoned && !w.texted {
		w.texted = true
		w.clock.pause(w.clock.p.Think)
	}
	return w.clock.token()
}

// each runs fn for each token of a part, at its time; an empty delta is
// one token of "" (it takes a pacing slot, and counts for nothing).
func (w *writer) each(pc piece, fn func(tok string)) {
	toks := pc.tokens
	if pc.Delta {
		toks = []string{""}
	}
	for _, t := range toks {
		w.clock.now = w.tokenTime(pc)
		fn(t)
	}
}

// text is what a part says, for the formats that repeat it whole.
func (pc piece) text() string { return strings.Join(pc.tokens, "") }

// errorMessage is the error's message, or the format's usual one.
func (w *writer) errorMessage(usual string) string {
	if w.plan.err.Message != "" {
		return w.plan.err.Message
	}
	return usual
}

func mustFormat(name string, f format) {
	if _, dup := formats[name]; dup {
		panic(fmt.Sprintf("synth: format %s registered twice", name))
	}
	formats[name] = f
}
