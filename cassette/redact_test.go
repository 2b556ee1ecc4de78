package cassette

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func paths(t *testing.T, ss ...string) []Path {
	var out []Path
	for _, s := range ss {
		p, err := ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestRedactJSON(t *testing.T) {
	cases := []struct{ in, path, want string }{
		{`{"a": 1, "key": "sk-1", "b": [1]}`, "$.key", `{"a": 1, "key": "REDACTED", "b": [1]}`},
		{`{"user":{"token":"t","id":2}}`, "$.user.token", `{"user":{"token":"REDACTED","id":2}}`},
		{`{"list":[{"k":"x"},{"k":"y"}]}`, "$.list[1].k", `{"list":[{"k":"x"},{"k":"REDACTED"}]}`},
		{`{"nested":{"deep":[1,2]}}`, "$.nested", `{"nested":"REDACTED"}`},
		{`{"a":1}`, "$.missing", `{"a":1}`},
		{`not json`, "$.a", `not json`},
		{`{"k\"ey":"v","key":"w"}`, "$.key", `{"k\"ey":"v","key":"REDACTED"}`},
	}
	for _, c := range cases {
		if got := string(Redaction{JSON: paths(t, c.path)}.RedactBody([]byte(c.in))); got != c.want {
			t.Errorf("RedactBody(%s, %s) = %s, want %s", c.in, c.path, got, c.want)
		}
	}
}

func TestRedactStreamRewritesTheWire(t *testing.T) {
	r := &Response{Status: 200}
	chunks := []Chunk{
		{At: 10 * time.Millisecond, Data: []byte("event: call\r\ndata: {\"type\":\"call\",\"api_key\":\"sk-se")},
		{At: 20 * time.Millisecond, Data: []byte("cret-123\",\"n\":1}\r\n\r\nevent: done\r\ndata: {\"type\":\"done\"}\r\n\r\n")},
	}
	if err := r.SetChunks(chunks); err != nil {
		t.Fatal(err)
	}
	if err := (Redaction{JSON: paths(t, "$.n")}).RedactStream(r); err != nil {
		t.Fatal(err)
	}
	var body string
	for _, c := range r.Wire.Chunks {
		body += string(c.Data)
	}
	if strings.Contains(body, "sk-se") || strings.Contains(body, "cret-123") || !r.Wire.Redacted || len(r.Wire.Chunks) != 2 {
		t.Fatalf("wire %q, redacted %v", body, r.Wire.Redacted)
	}
	if r.Entries[0].Data != `{"type":"call","api_key":"REDACTED","n":"REDACTED"}` || r.Edited() {
		t.Errorf("entries %+v, edited %v", r.Entries, r.Edited())
	}
	if body != "event: call\r\ndata: {\"type\":\"call\",\"api_key\":\"REDACTED\",\"n\":\"REDACTED\"}\r\n\r\nevent: done\r\ndata: {\"type\":\"done\"}\r\n\r\n" {
		t.Errorf("body %q", body)
	}
}

// FuzzRedactBody: redaction never panics, and what it gives back holds no
// credential-shaped value and is JSON when the body was.
func FuzzRedactBody(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":"d"}]}}`), "$.a.b[1].c")
	f.Add([]byte(`[1,2`), "$[0]")
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		p, err := ParsePath(path)
		if err != nil {
			return
		}
		out := Redaction{JSON: []Path{p}}.RedactBody(doc)
		if json.Valid(doc) && !json.Valid(out) {
			t.Fatalf("%s became %s, not JSON", doc, out)
		}
		if again, changed := RedactValues(string(out)); changed {
			t.Fatalf("a credential survived: %s -> %s", out, again)
		}
	})
}

// Every redacted shape starts with one of shapeMarks, so the quick check
// before the regular expressions never lets a credential through: one
// example per shape, in every case of "bearer".
func TestShapeMarks(t *testing.T) {
	examples := map[string]string{
		"Anthropic key":    "key sk-ant-api03-abcdefghijklmnop",
		"OpenAI-style key": "sk-proj-abcdefghijklmnopqrst",
		"AWS access key":   "AKIAIOSFODNN7EXAMPLE",
		"Google API key":   "AIzaSyA-1234567890abcdefghijklmnopqrstu",
		"GitHub token":     "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
		"Slack token":      "xoxb-1234567890",
		"bearer token":     "BeArEr abcdefghijklmnopqrstuvwxyz",
		"JWT":              "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
	}
	for _, sh := range shapes {
		if !sh.redact {
			continue
		}
		ex, ok := examples[sh.kind]
		if !ok {
			t.Errorf("no example for the shape %q: add one", sh.kind)
			continue
		}
		if !sh.re.MatchString(ex) {
			t.Errorf("%s: the example %q does not match", sh.kind, ex)
		}
		if !mayHoldShape(ex) {
			t.Errorf("%s: the quick check lets %q through", sh.kind, ex)
		}
		if _, changed := RedactValues(ex); !changed {
			t.Errorf("%s: %q not redacted", sh.kind, ex)
		}
	}
	if mayHoldShape("application/json") || mayHoldShape("Mozilla/5.0 (X11; Linux x86_64)") {
		t.Error("the quick check passes ordinary header values")
	}
}

// FuzzShapeMarks: whatever a redacted shape's expression matches, the
// quick check passes.
func FuzzShapeMarks(f *testing.F) {
	f.Add("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")
	f.Add("xoxp-12345678901")
	f.Fuzz(func(t *testing.T, s string) {
		for _, sh := range shapes {
			if sh.redact && sh.re.MatchString(s) && !mayHoldShape(s) {
				t.Fatalf("%s matches %q, and the quick check lets it through", sh.kind, s)
			}
		}
	})
}

// A body that is JSON only at first sight ends its walk: a byte that starts
// no value inside an array or an object once looped for ever (found by
// FuzzRedactBody), which a request body could do to the proxy.
func TestRedactBodyOfBrokenJSONEnds(t *testing.T) {
	for _, doc := range []string{
		`{"a":{"b":[1{"c":"d"}]}J`, `[:]`, `[}`, `{"a":[1 2 :]}`, `{"token":"x","a":[}]}`, `[[[[`, `{"a":{`,
	} {
		done := make(chan []byte, 1)
		go func() { done <- Redaction{}.RedactBody([]byte(doc)) }()
		select {
		case out := <-done:
			if strings.Contains(doc, `"token":"x"`) && strings.Contains(string(out), `"x"`) {
				t.Errorf("%s: the token survived: %s", doc, out)
			}
		case <-time.After(10 * time.Second): // the walk is microseconds; this only catches a loop
			t.Fatalf("%s: RedactBody did not end", doc)
		}
	}
}
