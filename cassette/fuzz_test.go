package cassette

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary bytes to the loader: it must never panic, and
// whatever it accepts must save and load back to the same cassette and the
// same bytes.
func FuzzParse(f *testing.F) {
	good, err := Marshal(sample(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	for _, c := range badCassettes {
		f.Add([]byte(c.yaml))
	}
	f.Add([]byte("version: 1\ninteractions:\n  - &a {request: {path: /}, response: {}}\n  - *a\n"))
	f.Add([]byte(synthCassette))
	f.Add([]byte("version: 1\ninteractions:\n  - response:\n      synth: {wire: gemini, reasoning: a b, content: [{refusal: no}], error: {after_tokens: 1}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Inputs are cut to 8 KiB: what the loader does wrong shows in a
		// short document, and the minimizer tries removing every span of a
		// new input's bytes, which on long ones ran for tens of seconds at
		// 0 execs/s (bench/fuzz/run.sh).
		if len(data) > 8<<10 {
			data = data[:8<<10]
		}
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		first, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a loaded cassette: %v", err)
		}
		// The streaming saver writes exactly the whole-tree saver's bytes.
		if whole, err := marshalWhole(c); err != nil || !bytes.Equal(whole, first) {
			t.Fatalf("the streaming saver differs from the whole-tree one (%v):\n%s\n---\n%s", err, first, whole)
		}
		again, err := Parse(first, "saved.yaml")
		if err != nil {
			t.Fatalf("saved cassette does not load: %v\n%s", err, first)
		}
		// Saving rounds durations to the microsecond; compare saved forms.
		second, err := Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("save is not stable:\n%s\n---\n%s", first, second)
		}
	})
}

// FuzzChunks records an arbitrary body split into chunks, saves and loads
// it, and checks the two conversions: unedited, the plan is the wire byte for
// byte; encoded from the entries instead, a client sees the same events.
func FuzzChunks(f *testing.F) {
	f.Add([]byte("event: a\r\ndata: 1\r\n\r\n: ping\r\n\r\nid: 7\ndata: x\ndata: y\n\nretry: 10\n\ndata: tail"), uint64(1))
	f.Add([]byte("\xEF\xBB\xBFdata: \xE2\x82\n\nid: a\x00b\nfoo: bar\nevent: x\n\n\r\n\rdata:\r"), uint64(2))
	f.Fuzz(func(t *testing.T, body []byte, seed uint64) {
		// Bodies are cut to 512 bytes (about 60 chunks, each a line of YAML
		// saved and loaded, and entries beside them): a run costs about a
		// millisecond per KiB on one core; at 2 KiB it averaged 599 execs/s
		// and at 1 KiB 835, and longer bodies stalled the minimizer at 0
		// execs/s for 24 s. Chunk and event boundaries are as dense in a
		// short body.
		if len(body) > 512 {
			body = body[:512]
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		var chunks []Chunk
		at := time.Duration(0)
		for rest := body; len(rest) > 0; {
			n := min(1+rng.IntN(16), len(rest))
			at += time.Duration(rng.IntN(5000)) * time.Microsecond
			chunks = append(chunks, Chunk{At: at, Data: append([]byte(nil), rest[:n]...)})
			rest = rest[n:]
		}
		c := &Cassette{Version: 1, Interactions: []*Interaction{{Request: Request{Method: "GET", Path: "/"}, Response: Response{Status: 200}}}}
		r := &c.Interactions[0].Response
		if err := r.SetChunks(chunks); err != nil {
			return // over the size limit
		}
		saved, err := Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := Parse(saved, "x.yaml")
		if err != nil {
			t.Fatalf("recorded cassette does not load: %v\n%s", err, saved)
		}
		lr := &loaded.Interactions[0].Response
		plan, edited, err := lr.Chunks(true)
		if err != nil || edited {
			t.Fatalf("unedited plan: edited=%v err=%v\n%s", edited, err, saved)
		}
		if !bytes.Equal(join(plan), body) || len(plan) != len(chunks) {
			t.Fatalf("plan is not the wire")
		}
		lr.Wire.Checksum = "sha256:edited"
		fromEntries, edited, err := lr.Chunks(false)
		if err != nil || !edited {
			t.Fatalf("plan from entries: edited=%v err=%v", edited, err)
		}
		if diff := cmp.Diff(events(t, body), events(t, join(fromEntries)), cmp.Options{cmpEmpty()}); diff != "" {
			t.Fatalf("events from entries differ from the wire's (-wire +entries):\n%s\nbody %q\nentries %q", diff, body, join(fromEntries))
		}
	})
}

func cmpEmpty() cmp.Option { return cmp.Comparer(func(a, b []byte) bool { return bytes.Equal(a, b) }) }

// FuzzParsePath: JSON paths never panic, and an accepted path keeps its text.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$.a.b", `$.messages[0]["content-type"].text`, "$[", "$..a", `$["\"]`, "$.a[99999999999999999999]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err == nil && (p.Text != s || len(p.Steps) == 0) {
			t.Fatalf("ParsePath(%q) = %+v", s, p)
		}
	})
}
