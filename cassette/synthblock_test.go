package cassette

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ssetape/ssetape/sse"
	"github.com/ssetape/ssetape/synth"
	"go.yaml.in/yaml/v3"
)

const synthCassette = `version: 1
interactions:
  - response:
      synth:
        wire: openai-chat
        model: gpt-4.1-mini
        text: "Lisbon is 17 °C and cloudy."   # a comment, kept
        tool_calls:
          - {id: call_1, name: get_weather, arguments: {city: Lisbon, days: [1, 2], metric: true, n: 1.5, none: null}}
        profile: fast
        seed: 3
  - request: {method: POST, path: /agent}
    match: {body: any}
    response:
      status: 200
      headers: {Content-Type: [text/event-stream], X-Mine: ["1"]}
      synth: {wire: agent, content: [{tool_call: {name: t, arguments: '{"a":1}', result: {ok: true}}}, {delta: ""}, {text: "hi"}], ttft: 1s, tps: 10}
`

// A synth: block expands at load into entries, with the format's request,
// status and headers where they were left out; Save writes the block back,
// not its expansion, and the round trip holds byte for byte.
func TestSynthBlock(t *testing.T) {
	c, err := Parse([]byte(synthCassette), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Interactions[0], c.Interactions[1]
	if a.Request.Method != "POST" || a.Request.Path != "/v1/chat/completions" || a.Match.Body.Mode != BodyAny || a.Response.Status != 200 ||
		a.Response.Headers.Get("Content-Type") == "" || a.Response.Synth.LineEnding != sse.LF {
		t.Errorf("defaults: %+v %+v", a.Request, a.Response.Headers)
	}
	if n := len(a.Response.Entries); n < 5 || a.Response.Entries[n-1].Data != "[DONE]" || a.Response.End == nil {
		t.Errorf("expansion: %d entries", n)
	}
	if !strings.Contains(a.Response.Entries[1].Data, `"arguments":""`) && !strings.Contains(a.Response.Entries[1].Data, `"content":"Lisb"`) {
		t.Errorf("second entry %s", a.Response.Entries[1].Data)
	}
	if b.Request.Path != "/agent" || b.Response.Headers.Get("X-Mine") != "1" || b.Response.Synth.LineEnding != sse.CRLF {
		t.Errorf("given fields: %+v %v", b.Request, b.Response.Headers)
	}
	// The call is sent with its last argument token: ttft 1s, then one
	// more token at 10 a second (give or take the standard jitter).
	if at := b.Response.Entries[0].At; at < 1080*time.Millisecond || at > 1120*time.Millisecond || b.Response.Entries[0].Event != "tool_call" {
		t.Errorf("agent entry 0: %+v", b.Response.Entries[0])
	}
	// The wire of a CRLF format.
	chunks, _, err := b.Response.Chunks(false)
	if err != nil || !bytes.HasSuffix(chunks[0].Data, []byte("\r\n\r\n")) {
		t.Errorf("chunks: %q %v", chunks[0].Data, err)
	}
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"synth:", "wire: openai-chat", "# a comment, kept", "profile: fast"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("saved without %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"entries:", "chatcmpl", "path: /v1/chat/completions"} {
		if bytes.Contains(out, []byte(not)) {
			t.Errorf("saved the expansion (%q):\n%s", not, out)
		}
	}
	c2, err := Parse(out, "s2.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out2, _ := Marshal(c2)
	if !bytes.Equal(out, out2) {
		t.Errorf("the round trip changed the file:\n%s\n---\n%s", out, out2)
	}
	if len(c2.Interactions[0].Response.Entries) != len(a.Response.Entries) || c2.Interactions[0].Response.Entries[3].Data != a.Response.Entries[3].Data {
		t.Error("the reloaded block expands to other events")
	}
}

// A bad synth: block is refused at the line of its problem.
func TestSynthBlockErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"synth: {wire: cobol, text: x}", `s.yaml:4:`},
		{"synth: {wire: cobol, text: x}", `no format "cobol"`},
		{"synth: {text: x}", `wire: missing`},
		{"synth: {wire: agent, text: x, profile: warp}", `no profile "warp"`},
		{"synth: {wire: agent, text: x, tps: fast}", `tps`},
		{"synth:\n        wire: agent\n        tool_calls:\n          - {arguments: {a: 1}}", `s.yaml:7:13: interactions[0].response.synth.tool_calls[0].name`},
		{"synth:\n        wire: agent\n        tool_calls:\n          - {name: a, arguments: '[1'}", `s.yaml:7:34: interactions[0].response.synth.tool_calls[0].arguments`},
		{"synth:\n        wire: agent\n        text: two words\n        error: {after_tokens: 9}", `s.yaml:7:`},
		{"synth: {wire: agent, text: x}\n      entries: []", `has no entries`},
		{"synth: {wire: agent, text: x, finish: maybe}", `finish`},
		{"synth: {wire: agent, text: x, usage: {input_tokens: -1, output_tokens: 1}}", `negative`},
		{"synth: {wire: agent, content: [{text: a, delta: ''}]}", `content[0]`},
	} {
		src := "version: 1\ninteractions:\n  - response:\n      " + tc.yaml + "\n"
		_, err := Parse([]byte(src), "s.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n  got %v, want %q", tc.yaml, err, tc.want)
		}
	}
	// Without synth:, a request is still required.
	if _, err := Parse([]byte("version: 1\ninteractions:\n  - response: {status: 200}\n"), "s.yaml"); err == nil || !strings.Contains(err.Error(), "request: missing") {
		t.Errorf("no request: %v", err)
	}
}

// Nested aliases in a synth: block are refused before they are followed.
func TestSynthBlockAliasBomb(t *testing.T) {
	src := "version: 1\nx: &a [1,1,1,1,1,1,1,1,1,1]\n"
	prev := "a"
	for i := range 8 {
		name := string(rune('b' + i))
		src += name + ": &" + name + " [" + strings.Repeat("*"+prev+",", 9) + "*" + prev + "]\n"
		prev = name
	}
	// The anchors come first (unknown keys, reported too); 10^9 values.
	src += "interactions:\n  - response:\n      synth: {wire: agent, text: x, tool_calls: [{name: t, arguments: {big: *i}}]}\n"
	_, err := Parse([]byte(src), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Fatalf("an alias bomb: %v", err)
	}
	// The same in a script for ssetape synth.
	script := strings.TrimPrefix(strings.Split(src, "interactions:")[0], "version: 1\n") + "text: x\ntool_calls: [{name: t, arguments: {big: *i}}]\n"
	if _, err := ParseScript([]byte(script), "bomb.yaml", "agent", synth.Options{}); err == nil || !strings.Contains(err.Error(), "aliases") {
		t.Fatalf("an alias bomb in a script: %v", err)
	}
}

// FuzzParseScript: any script, in any format, is synthesized or refused
// with Errors or a flag error, never a panic; what is synthesized becomes
// an interaction whose events the decoder reads back.
func FuzzParseScript(f *testing.F) {
	f.Add([]byte("text: \"Lisbon is 17 °C\"\ntool_calls:\n  - {name: w, arguments: {city: Lisbon}}\n"), uint8(0))
	f.Add([]byte("content: [{reasoning: hm}, {delta: ''}, {refusal: no}, {tool_call: {name: a, arguments: '{}'}}]\nerror: {after_tokens: 2}\n"), uint8(3))
	f.Add([]byte(`{"text": "json too", "usage": {"input_tokens": 1, "output_tokens": 2}, "finish": "length"}`), uint8(5))
	formats := synth.Formats()
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		// Scripts are cut to 512 bytes and to 200 values with their
		// aliases followed. Writing a stream costs 3-12 µs an event: a 2 KiB
		// text is 400 events, a few lines of aliases make a content: list
		// of thousands of parts (100-200 ms), and the minimizer's 1,000
		// runs on such an input stalled the fuzzer for 13-19 s. What a
		// script does wrong shows in a short one; the guard against large
		// ones has its own test (TestSynthBlockAliasBomb).
		if len(data) > 512 {
			data = data[:512]
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) == nil && expandedSize(&doc, 0, 200) > 200 {
			return
		}
		wire := formats[int(format)%len(formats)]
		st, err := ParseScript(data, "fuzz.yaml", wire, synth.Options{Pacing: synth.Pacing{TTFT: time.Millisecond, TPS: 1000}, Seed: 1})
		if err != nil {
			return
		}
		it, err := SynthInteraction(st)
		if err != nil {
			t.Fatalf("a synthesized stream is not an interaction: %v", err)
		}
		n := 0
		for _, e := range st.Events {
			if !e.IsComment {
				n++
			}
		}
		if got := len(it.Response.Entries); got != n {
			t.Fatalf("%d events synthesized, %d read back", n, got)
		}
	})
}
