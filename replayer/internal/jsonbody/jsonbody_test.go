package jsonbody

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t *testing.T, s string) any {
	t.Helper()
	v, ok := Parse([]byte(s))
	if !ok {
		t.Fatalf("Parse(%s) failed", s)
	}
	return v
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{"a":1}`, true},
		{`  [1,2]  `, true},
		{`{"a":1}{"b":2}`, false}, // two documents
		{`"just a string"`, false},
		{`12`, false},
		{``, false},
		{`{"a":`, false},
		{`a=1&b=2`, false},
	} {
		if _, ok := Parse([]byte(c.in)); ok != c.ok {
			t.Errorf("Parse(%q) ok = %v, want %v", c.in, ok, c.ok)
		}
	}
	// Numbers stay as written, so 1.0 and 1 are told apart and big integers
	// keep every digit.
	v := mustParse(t, `{"n":12345678901234567890,"f":1.0}`)
	m := v.(map[string]any)
	if m["n"] != json.Number("12345678901234567890") || m["f"] != json.Number("1.0") {
		t.Errorf("numbers: %#v", m)
	}
}

func TestCanonical(t *testing.T) {
	a := mustParse(t, `{"b":1, "a":[true,null]}`)
	b := mustParse(t, `{"a":[true,null],"b":1}`)
	if Canonical(nil, a, true) != Canonical(nil, b, true) {
		t.Errorf("key order or spacing changed the canonical form: %s vs %s", Canonical(nil, a, true), Canonical(nil, b, true))
	}
	if got := Canonical([]byte(`x=1`), nil, false); got != "b:x=1" {
		t.Errorf("raw body: %q", got)
	}
	if Canonical([]byte(`{}`), nil, false) == Canonical(nil, mustParse(t, `{}`), true) {
		t.Error("a raw body and a JSON body that spell the same must not share a key")
	}
}

func TestFirstDiff(t *testing.T) {
	for _, c := range []struct {
		want, got             string
		path, gotShown, wantS string
	}{
		{`{"a":1}`, `{"a":1}`, "", "", ""},
		{`{"a":1}`, `{"a":2}`, "$.a", "2", "1"},
		{`{"a":1}`, `{}`, "$.a", "missing", "1"},
		{`{}`, `{"z":1}`, "$.z", "1", "missing"},
		{`{"b":1,"a":1}`, `{"b":2,"a":2}`, "$.a", "2", "1"}, // sorted order: a first
		{`{"a":[1,2]}`, `{"a":[1,3]}`, "$.a[1]", "3", "2"},
		{`{"a":[1,2]}`, `{"a":[1]}`, "$.a", "1 items", "2 items"},
		{`{"a":{"x":"大阪"}}`, `{"a":{"x":"東京"}}`, "$.a.x", `"東京"`, `"大阪"`},
		{`{"a":"REDACTED"}`, `{"a":{"any":"thing"}}`, "", "", ""},
		{`{"a":{"k":1}}`, `{"a":[1]}`, "$.a", "[1]", `{"k":1}`},
	} {
		p, g, w := FirstDiff("$", mustParse(t, c.want), mustParse(t, c.got), "REDACTED")
		if p != c.path || g != c.gotShown || w != c.wantS {
			t.Errorf("FirstDiff(%s, %s) = %q %q %q, want %q %q %q", c.want, c.got, p, g, w, c.path, c.gotShown, c.wantS)
		}
		if Differ(mustParse(t, c.want), mustParse(t, c.got), "REDACTED") != (c.path != "") {
			t.Errorf("Differ(%s, %s) disagrees with FirstDiff", c.want, c.got)
		}
	}
}

func TestShowAndExcerpt(t *testing.T) {
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'x'
	}
	if got := Show(string(long), true); len(got) > 80+len("…") {
		t.Errorf("Show is not cut: %d bytes", len(got))
	}
	if got := Excerpt(nil); got != "(empty)" {
		t.Errorf("Excerpt(nil) = %q", got)
	}
	if got := Excerpt([]byte("a\nb")); got != `"a\nb"` {
		t.Errorf("Excerpt quotes: %q", got)
	}
}

func TestLookupAndWithout(t *testing.T) {
	v := mustParse(t, `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"tool"}],"meta":{"id":7}}`)
	if got, ok := Lookup(v, []any{"messages", 1, "role"}); !ok || got != "tool" {
		t.Errorf("Lookup messages[1].role = %v %v", got, ok)
	}
	for _, steps := range [][]any{{"nope"}, {"messages", 5}, {"messages", -1}, {"model", "x"}, {"meta", 0}} {
		if _, ok := Lookup(v, steps); ok {
			t.Errorf("Lookup(%v) found something", steps)
		}
	}
	before := Canonical(nil, v, true)
	w := Without(v, []any{"meta", "id"}, []any{"messages", 0}, []any{"messages", 9}, []any{"absent", "x"}, nil)
	if Canonical(nil, v, true) != before {
		t.Error("Without changed its input")
	}
	want := mustParse(t, `{"model":"m","messages":[null,{"role":"tool"}],"meta":{}}`)
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("Without (-want +got):\n%s", diff)
	}
}

// FuzzParseBody checks that Parse never panics and that what it accepts has a
// canonical form that parses back to the same value.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[1,"x",null,true,{"b":[]}]`, `{"n":1e400}`, ` {"a":"\u00e9"} `, `{`, `"s"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := Parse(b)
		if !ok {
			return
		}
		c := Canonical(b, v, true)
		if c[:2] != "j:" {
			return // a value encoding/json cannot write back (it falls back to the raw form)
		}
		v2, ok := Parse([]byte(c[2:]))
		if !ok {
			t.Fatalf("the canonical form %q does not parse", c)
		}
		if Differ(v, v2, "\x00never") {
			t.Fatalf("canonical form changed the value: %q", c)
		}
		_ = Without(v, []any{"a"}, []any{0})
	})
}
