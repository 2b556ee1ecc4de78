package assert

import (
	"encoding/json"
	"testing"
)

// FuzzReadFields: the scanner agrees with encoding/json on whether the data
// is an object and on every string field it reads.
func FuzzReadFields(f *testing.F) {
	for _, s := range []string{`{"type":"done","status":"ok"}`, `{"type":"tool_call","id":"c\"1","arguments":{"q":"}"}}`,
		` { "content" : "é\u00e9\n" , "type":"text_delta" } `, `{"content":{"a":[1,"]"]},"name":"x"}`, `[1]`, `{"type":1}`, `{"a":"b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := readFields(s)
		var m map[string]any
		err := json.Unmarshal([]byte(s), &m)
		if (err == nil) != got.valid {
			t.Fatalf("%q: valid %v, encoding/json says %v", s, got.valid, err)
		}
		if err != nil {
			return
		}
		check := func(key, val string, bit uint8) {
			v, ok := m[key].(string)
			if ok != (got.has&bit != 0) || (ok && v != val) {
				t.Fatalf("%q: %s = %q (present %v), encoding/json: %q (%v)", s, key, val, got.has&bit != 0, v, ok)
			}
		}
		check("type", got.typ, hasType)
		check("content", got.content, hasContent)
		check("id", got.id, hasID)
		check("tool", got.tool, hasTool)
		check("name", got.name, hasName)
		check("status", got.status, hasStatus)
	})
}
