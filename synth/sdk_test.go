package synth_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ssetape/ssetape/cassette"
	"github.com/ssetape/ssetape/internal/jsclients"
	"github.com/ssetape/ssetape/replayer"
	"github.com/ssetape/ssetape/replayer/replayertest"
	"github.com/ssetape/ssetape/synth"
)

// finishes is DESIGN.md's table: what each SDK reports for stop,
// tool_calls and length.
var finishes = map[string]map[string]string{
	"openai-chat":      {"stop": "stop", "tool_calls": "tool_calls", "length": "length"},
	"openai-responses": {"stop": "completed", "tool_calls": "completed", "length": "incomplete"},
	"anthropic":        {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"},
	"gemini":           {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS"},
	"vercel-ai":        {"stop": "stop", "tool_calls": "tool-calls", "length": "length"},
}

type call struct {
	Name string         `json:"name"`
	Args map[string]any `json:"args"`
}

// The real npm SDKs (internal/jsclients) read a replayed synthesized
// stream back to the script's text, tool calls and finish, or raise its
// error.
func TestSDKsReadSynthesizedStreams(t *testing.T) {
	sdkScripts := map[string]synth.Script{
		"text": {Text: "Lisbon is 17 °C and cloudy, 大阪は晴れ. \"Quoted\" 🎉"},
		"tool": {Text: "Checking.", ToolCalls: []synth.ToolCall{
			{ID: "call_1", Name: "get_weather", Arguments: json.RawMessage(`{"city":"Lisbon","days":[1,2],"opts":{"metric":true}}`)},
			{ID: "call_2", Name: "get_time", Arguments: json.RawMessage(`{"tz":"Europe/Lisbon"}`)}}},
		"length":    {Text: "This answer was cut", Finish: "length"},
		"reasoning": {Reasoning: "The user greets me.", Text: "Hello!"},
		"error":     {Text: "one two three four five six", Error: &synth.Error{AfterTokens: num(3), Message: "synthetic overload"}},
	}
	for _, wire := range []string{"openai-chat", "openai-responses", "anthropic", "gemini", "vercel-ai"} {
		for name, s := range sdkScripts {
			t.Run(wire+"/"+name, func(t *testing.T) {
				t.Parallel()
				sc := s
				st, err := synth.Synthesize(wire, &sc, synth.Options{Pacing: synth.Pacing{TTFT: 5e6, TPS: 2000}, Seed: 9})
				if err != nil {
					t.Fatal(err)
				}
				it, err := cassette.SynthInteraction(st)
				if err != nil {
					t.Fatal(err)
				}
				_, url := replayertest.Start(t, replayer.Options{}, &cassette.Cassette{Version: 1, Name: wire, Interactions: []*cassette.Interaction{it}})
				res := jsclients.Run(t, url, "synth-"+wire)
				raised, _ := res["raised"].(string)
				if sc.Error != nil {
					if raised == "" {
						t.Fatalf("the SDK raised nothing for the script's error: %v", res)
					}
					if !strings.Contains(raised, "overload") && !strings.Contains(strings.ToLower(raised), "unavailable") {
						t.Errorf("the SDK raised %q, not the script's error", raised)
					}
					return
				}
				if raised != "" {
					t.Fatalf("the SDK raised %q", raised)
				}
				if res["text"] != sc.Text {
					t.Errorf("text %q, want %q", res["text"], sc.Text)
				}
				got := []call{}
				b, _ := json.Marshal(res["tool_calls"])
				_ = json.Unmarshal(b, &got)
				want := []call{}
				for _, tc := range sc.ToolCalls {
					c := call{Name: tc.Name}
					_ = json.Unmarshal(tc.Arguments, &c.Args)
					want = append(want, c)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("tool calls (-script +SDK):\n%s", diff)
				}
				finish := sc.Finish
				if finish == "" {
					finish = "stop"
					if len(sc.ToolCalls) > 0 {
						finish = "tool_calls"
					}
				}
				if res["finish"] != finishes[wire][finish] {
					t.Errorf("finish %v, want %s (%s)", res["finish"], finishes[wire][finish], finish)
				}
			})
		}
	}
}
