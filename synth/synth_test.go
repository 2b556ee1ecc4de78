package synth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/assert"
	"github.com/ssetape/ssetape/sse"
	"github.com/ssetape/ssetape/synth"
)

// body encodes a synthesized stream as a client receives it.
func body(t *testing.T, st *synth.Stream) []byte {
	t.Helper()
	var b []byte
	for _, e := range st.Events {
		m := sse.Message{Event: e.Type, Data: e.Data, HasData: true}
		if e.IsComment {
			m = sse.Message{Comment: e.Comment}
		}
		var err error
		if b, err = sse.AppendMessage(b, m, st.LineEnding); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// check runs the stream through a contract (nil: auto) as assert does: the
// raw view, the headers and the path.
func check(t *testing.T, c *assert.Contract, st *synth.Stream) *assert.Report {
	t.Helper()
	sc := assert.NewStreamCheck(c, assert.Meta{Name: "synth", Status: st.Status, ContentType: st.Header["Content-Type"][0],
		Path: st.Path, Header: http.Header(st.Header)})
	d := sse.NewDecoder(bytes.NewReader(body(t, st)))
	for {
		b, err := d.NextBlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sc.Block(b, 0, false)
	}
	return sc.End()
}

var presets = map[string]*assert.Contract{
	"agent": assert.Agent(), "openai-chat": assert.OpenAIChat(), "openai-responses": assert.OpenAIResponses(),
	"anthropic": assert.Anthropic(), "gemini": assert.Gemini(), "vercel-ai": assert.VercelAI(),
}

func errorsOf(r *assert.Report) []string {
	var out []string
	for _, v := range r.Violations {
		if v.Severity == assert.Error {
			out = append(out, v.Rule+": "+v.Message)
		}
	}
	return out
}

func num(n int) *int { return &n }

// The scripts every format must write validly.
var scripts = map[string]synth.Script{
	"text":      {Text: "Lisbon is 17 °C and cloudy."},
	"reasoning": {Reasoning: "The user wants the weather.", Text: "Lisbon is 17 °C."},
	"tool": {Text: "Let me look.", ToolCalls: []synth.ToolCall{
		{ID: "call_1", Name: "get_weather", Arguments: json.RawMessage(`{"city":"Lisbon","units":{"t":"c"}}`), Result: json.RawMessage(`{"temp_c":17}`)}}},
	"two tools":  {ToolCalls: []synth.ToolCall{{Name: "a", Arguments: json.RawMessage(`{}`)}, {Name: "b", Arguments: json.RawMessage(`{"q":"大阪 \"x\""}`)}}},
	"usage":      {Text: "hi there", Usage: &synth.Usage{InputTokens: 12, OutputTokens: 9}},
	"length":     {Text: "cut short because", Finish: "length"},
	"japanese":   {Text: "資料を確認しました。売上は48億円です。"},
	"error":      {Text: "one two three four five six seven", Error: &synth.Error{AfterTokens: num(3)}},
	"error at 0": {Text: "never said", Error: &synth.Error{AfterTokens: num(0), Type: "rate_limit"}},
	"error in args": {ToolCalls: []synth.ToolCall{{Name: "search", Arguments: json.RawMessage(`{"query":"a long query string here"}`)}},
		Error: &synth.Error{AfterTokens: num(2), Type: "server"}},
	"content": {Content: []synth.Part{{ToolCall: &synth.ToolCall{Name: "first", Arguments: json.RawMessage(`{"x":1}`)}},
		{Delta: true}, {Text: ptr("then text")}, {Refusal: ptr("I can't help with that.")}}},
}

func ptr(s string) *string { return &s }

// Every script, in every format, passes that format's preset with no
// error, and auto picks that format.
func TestEveryFormatPassesItsPreset(t *testing.T) {
	for _, wire := range synth.Formats() {
		for name, s := range scripts {
			t.Run(wire+"/"+name, func(t *testing.T) {
				st, err := synth.Synthesize(wire, &s, synth.Options{Pacing: mustProfile(t, "fast"), Seed: 7})
				if err != nil {
					t.Fatal(err)
				}
				if errs := errorsOf(check(t, presets[wire], st)); len(errs) > 0 {
					t.Fatalf("%s broke its preset:\n%s\n%s", wire, strings.Join(errs, "\n"), body(t, st))
				}
				if r := check(t, nil, st); r.Contract != presets[wire].Name {
					t.Errorf("auto picked %s", r.Contract)
				}
			})
		}
	}
}

func mustProfile(t *testing.T, name string) synth.Pacing {
	t.Helper()
	p, err := synth.Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Random scripts: texts with CJK, emoji and quotes, 0–3 tool calls with
// nested arguments, reasoning, usage, errors, in every format: each passes
// its preset and auto picks it.
func TestRandomScriptsPassPresets(t *testing.T) {
	words := []string{"hello", "世界", "résumé", `"quoted"`, "emoji 🎉", "a\nnew line", "tab\tbed", "大阪の天気は", "100%", "<b>", "😀😀😀", "back\\slash"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 150 {
		s := synth.Script{}
		text := func() string {
			var b strings.Builder
			for range rng.IntN(12) + 1 {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteString(" ")
			}
			return strings.TrimSpace(b.String())
		}
		if rng.IntN(3) == 0 {
			s.Reasoning = text()
		}
		if rng.IntN(4) != 0 {
			s.Text = text()
		}
		for k := range rng.IntN(4) {
			args := map[string]any{"q": text(), "n": rng.IntN(100), "nested": map[string]any{"list": []any{text(), k, true, nil}}}
			b, _ := json.Marshal(args)
			s.ToolCalls = append(s.ToolCalls, synth.ToolCall{Name: fmt.Sprintf("tool_%d", k), Arguments: b, Result: json.RawMessage(`{"ok":true}`)})
		}
		if s.Reasoning == "" && s.Text == "" && len(s.ToolCalls) == 0 {
			s.Text = text()
		}
		if rng.IntN(3) == 0 {
			s.Usage = &synth.Usage{InputTokens: rng.IntN(1000), OutputTokens: rng.IntN(1000)}
		}
		if rng.IntN(4) == 0 && len(s.ToolCalls) == 0 {
			s.Finish = "length"
		}
		for _, wire := range synth.Formats() {
			sc := s
			if rng.IntN(4) == 0 {
				total := countTokens(&sc, wire)
				sc.Error = &synth.Error{AfterTokens: num(rng.IntN(total + 1)), Type: []string{"overloaded", "rate_limit", "server"}[rng.IntN(3)]}
			}
			st, err := synth.Synthesize(wire, &sc, synth.Options{Pacing: mustProfile(t, "standard"), Seed: uint64(i)})
			if err != nil {
				t.Fatalf("script %d in %s: %v", i, wire, err)
			}
			if errs := errorsOf(check(t, presets[wire], st)); len(errs) > 0 {
				t.Fatalf("script %d broke %s:\n%s\n%s", i, wire, strings.Join(errs, "\n"), body(t, st))
			}
			if r := check(t, nil, st); r.Contract != presets[wire].Name {
				t.Fatalf("script %d in %s: auto picked %s\n%s", i, wire, r.Contract, body(t, st))
			}
		}
	}
}

// countTokens is how many output tokens a script has in a format.
func countTokens(s *synth.Script, wire string) int {
	n := 0
	for _, t := range []string{s.Reasoning, s.Text} {
		n += len(synth.Tokens(t))
	}
	for _, tc := range s.ToolCalls {
		var b bytes.Buffer
		_ = json.Compact(&b, tc.Arguments)
		n += len(synth.Tokens(b.String()))
	}
	return n
}

// Tokens join to the text, are never cut inside a character, and are about
// four characters (two for CJK).
func TestTokens(t *testing.T) {
	for _, text := range []string{"Lisbon is 17 °C and cloudy.", "資料を確認しました。", "supercalifragilistic", "a  b", "", "🎉🎉 ok"} {
		toks := synth.Tokens(text)
		if strings.Join(toks, "") != text {
			t.Errorf("%q: tokens %q do not join to it", text, toks)
		}
		for _, tok := range toks {
			if !utf8Valid(tok) || len([]rune(strings.TrimLeft(tok, " "))) > 4 && strings.TrimSpace(tok) != "" {
				t.Errorf("%q: token %q", text, tok)
			}
		}
	}
	if got := synth.Tokens("Lisbon is 17 °C"); strings.Join(got, "|") != "Lisb|on| is| 17| °C" {
		t.Errorf("cut %q", got)
	}
	if got := synth.Tokens("大阪の天気"); strings.Join(got, "|") != "大阪|の天|気" {
		t.Errorf("CJK cut %q", got)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// Pacing: the first output delta at ttft, then tps, from the offsets.
func TestPacing(t *testing.T) {
	s := synth.Script{Text: strings.Repeat("word ", 99) + "word"}
	for _, wire := range synth.Formats() {
		st, err := synth.Synthesize(wire, &s, synth.Options{Pacing: synth.Pacing{TTFT: 700 * time.Millisecond, TPS: 50}, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		var deltas []time.Duration
		for _, e := range st.Events {
			if strings.Contains(e.Data, `"word"`) || strings.Contains(e.Data, `" word"`) { // a delta, not the whole text
				deltas = append(deltas, e.At)
			}
		}
		if len(deltas) != 100 {
			t.Fatalf("%s: %d deltas with text", wire, len(deltas))
		}
		if deltas[0] != 700*time.Millisecond {
			t.Errorf("%s: first delta at %v, want 700ms", wire, deltas[0])
		}
		rate := float64(len(deltas)-1) / (deltas[len(deltas)-1] - deltas[0]).Seconds()
		if rate < 49 || rate > 51 {
			t.Errorf("%s: %.1f tokens/s, want 50", wire, rate)
		}
	}
	// Jitter moves gaps within ±D, never below 0; a reasoning model
	// thinks before its first text.
	s = synth.Script{Reasoning: "think think think", Text: "answer answer"}
	st, _ := synth.Synthesize("anthropic", &s, synth.Options{Pacing: synth.Pacing{TTFT: time.Second, TPS: 100, Jitter: 20 * time.Millisecond, Think: 3 * time.Second}, Seed: 3})
	var last time.Duration
	var firstText time.Duration
	for _, e := range st.Events {
		if e.At < last {
			t.Fatalf("events go back in time: %v after %v", e.At, last)
		}
		last = e.At
		if firstText == 0 && strings.Contains(e.Data, `"text_delta"`) {
			firstText = e.At
		}
	}
	if firstText < 4*time.Second {
		t.Errorf("the first text at %v, want after ttft 1s + think 3s", firstText)
	}
}

// The same seed gives the same bytes; another seed other ids and jitter
// with the same text.
func TestDeterministic(t *testing.T) {
	s := scripts["tool"]
	p := synth.Pacing{TTFT: time.Second, TPS: 30, Jitter: 10 * time.Millisecond}
	for _, wire := range synth.Formats() {
		a, _ := synth.Synthesize(wire, &s, synth.Options{Pacing: p, Seed: 1})
		b, _ := synth.Synthesize(wire, &s, synth.Options{Pacing: p, Seed: 1})
		c, _ := synth.Synthesize(wire, &s, synth.Options{Pacing: p, Seed: 2})
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: the same seed gave two streams", wire)
		}
		if fmt.Sprint(a.Events) == fmt.Sprint(c.Events) {
			t.Errorf("%s: another seed gave the same stream", wire)
		}
		if len(a.Events) != len(c.Events) {
			t.Errorf("%s: another seed changed the events' number", wire)
		}
	}
}

// Bad scripts get errors that name the field.
func TestBadScripts(t *testing.T) {
	for _, tc := range []struct {
		wire  string
		s     synth.Script
		p     synth.Pacing
		field string
	}{
		{"nope", synth.Script{Text: "x"}, synth.Pacing{TPS: 1}, "wire"},
		{"agent", synth.Script{}, synth.Pacing{TPS: 1}, "text"},
		{"agent", synth.Script{ToolCalls: []synth.ToolCall{{Arguments: json.RawMessage(`{}`)}}}, synth.Pacing{TPS: 1}, "tool_calls[0].name"},
		{"agent", synth.Script{ToolCalls: []synth.ToolCall{{Name: "a", Arguments: json.RawMessage(`[1]`)}}}, synth.Pacing{TPS: 1}, "tool_calls[0].arguments"},
		{"agent", synth.Script{Text: "two words", Error: &synth.Error{AfterTokens: num(5)}}, synth.Pacing{TPS: 1}, "error.after_tokens"},
		{"agent", synth.Script{Text: "x", Error: &synth.Error{Type: "meteor"}}, synth.Pacing{TPS: 1}, "error.type"},
		{"agent", synth.Script{Text: "x", Finish: "maybe"}, synth.Pacing{TPS: 1}, "finish"},
		{"agent", synth.Script{Text: "x", Finish: "tool_calls"}, synth.Pacing{TPS: 1}, "finish"},
		{"agent", synth.Script{Text: "x"}, synth.Pacing{}, "tps"},
		{"agent", synth.Script{Text: "x", Content: []synth.Part{{Text: ptr("y")}}}, synth.Pacing{TPS: 1}, "content"},
		{"agent", synth.Script{Content: []synth.Part{{}}}, synth.Pacing{TPS: 1}, "content[0]"},
	} {
		_, err := synth.Synthesize(tc.wire, &tc.s, synth.Options{Pacing: tc.p})
		var fe *synth.FieldError
		if !asField(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s %+v: %v, want an error on %s", tc.wire, tc.s, err, tc.field)
		}
	}
}

func asField(err error, fe **synth.FieldError) bool {
	e, ok := err.(*synth.FieldError)
	*fe = e
	return ok
}

// Synthesizing reads the script and never writes it, so one script may be
// synthesized for several formats at once (the SDK test does, in
// parallel).
func TestSynthesizeLeavesTheScriptAlone(t *testing.T) {
	for name, s := range scripts {
		for _, wire := range synth.Formats() {
			sc := s
			before, err := json.Marshal(&sc)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := synth.Synthesize(wire, &sc, synth.Options{Pacing: synth.Pacing{TTFT: time.Millisecond, TPS: 100}, Seed: 1}); err != nil {
				t.Fatalf("%s/%s: %v", wire, name, err)
			}
			after, _ := json.Marshal(&sc)
			if !bytes.Equal(before, after) {
				t.Errorf("%s/%s: Synthesize changed the script:\nbefore %s\nafter  %s", wire, name, before, after)
			}
		}
	}
}
